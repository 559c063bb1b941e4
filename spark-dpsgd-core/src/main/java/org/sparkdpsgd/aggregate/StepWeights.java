package org.sparkdpsgd.aggregate;

import java.io.Serializable;

/**
 * A step's parameters as the executors receive them: as floats when the step computes in float
 * (half the bytes to broadcast, serialise and copy of doubles; a float network rounds them to float
 * anyway), or as doubles for steps that compute in double throughout.
 */
public final class StepWeights implements Serializable {
  private static final long serialVersionUID = 1L;
  private final float[] narrow;
  private final double[] wide;

  private StepWeights(float[] narrow, double[] wide) {
    this.narrow = narrow;
    this.wide = wide;
  }

  /** What a step with this context needs: doubles if it computes in double, else floats. */
  public static StepWeights forStep(StepContext context, double[] params) {
    return context.useDouble() ? new StepWeights(null, params) : asFloats(params);
  }

  /** The parameters as a float step broadcasts them. */
  public static StepWeights asFloats(double[] params) {
    float[] f = new float[params.length];
    for (int k = 0; k < f.length; k++) {
      f[k] = (float) params[k];
    }
    return new StepWeights(f, null);
  }

  /** Doubles, as a double step receives them. */
  public static StepWeights ofDoubles(double[] params) {
    return new StepWeights(null, params);
  }

  /** Floats, as a float step receives them (the array is used, not copied). */
  public static StepWeights ofFloats(float[] params) {
    return new StepWeights(params, null);
  }

  /** True if these are floats (what a float step sends), false for doubles. */
  public boolean narrow() {
    return narrow != null;
  }

  /** The parameters as floats (a float network's values). */
  public float[] floats() {
    return narrow != null ? narrow : asFloats(wide).narrow;
  }

  /** The parameters as doubles (widened from floats when only those were sent). */
  public double[] doubles() {
    if (wide != null) {
      return wide;
    }
    double[] d = new double[narrow.length];
    for (int k = 0; k < d.length; k++) {
      d[k] = narrow[k];
    }
    return d;
  }
}
