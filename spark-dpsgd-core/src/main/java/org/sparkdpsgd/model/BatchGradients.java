package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The result of a forward and backward pass over m examples: each parametric layer's per-example
 * gradient data (ghost-norm factors or materialised gradients, see each layer), from which
 * per-example gradient norms and the clipped sum follow.
 */
public final class BatchGradients {
  private final ModelSpec spec;
  private final List<ParamGradients> layers;
  private final INDArray losses;

  BatchGradients(ModelSpec spec, List<ParamGradients> layers, INDArray losses) {
    this.spec = spec;
    this.layers = layers;
    this.losses = losses;
  }

  public int size() {
    return (int) losses.length();
  }

  /** Sum of the per-example losses; an example whose loss overflowed is left out. */
  public double lossSum() {
    double sum = 0;
    for (double l : Arrays2.flat(losses)) {
      if (Double.isFinite(l)) {
        sum += l;
      }
    }
    return sum;
  }

  /**
   * Upper bounds of each example's squared contribution norm over all layers, rounding included
   * (see {@link ParamGradients}): what clip factors must be computed from.
   */
  public double[] squaredNormBounds() {
    double[] total = new double[size()];
    for (ParamGradients g : layers) {
      g.addSquaredNormBounds(total);
    }
    return total;
  }

  /** Estimates of ‖g_i‖² over all layers (in double precision); for clipping use the bounds. */
  public double[] squaredNorms() {
    double[] total = new double[size()];
    for (ParamGradients g : layers) {
      g.addSquaredNorms(total);
    }
    return total;
  }

  /**
   * Adds Σ_i c_i g_i to {@code out} (length = number of parameters). {@code factors} null adds the
   * plain sum (the non-private baseline).
   */
  public void addWeightedSum(double[] factors, double[] out) {
    GradientSums sums = new GradientSums(spec, losses.dataType());
    addWeightedSum(factors, sums);
    sums.addTo(out);
  }

  /** Adds Σ_i c_i g_i to running sums. {@code factors} null adds the plain sum. */
  public void addWeightedSum(double[] factors, GradientSums sums) {
    INDArray c = null;
    if (factors != null) {
      c = Nd4j.create(factors, new long[] {factors.length, 1}, 'c').castTo(losses.dataType());
      zeroDroppedExamples(factors);
    }
    int k = 0;
    for (ParamGradients g : layers) {
      g.addWeightedSum(c, sums.parts.get(k++));
    }
  }

  /**
   * Examples with factor 0 (non-finite gradients) are set to zero in every layer: multiplying an
   * infinite value by a zero factor would give NaN and poison the whole sum.
   */
  private void zeroDroppedExamples(double[] factors) {
    for (int i = 0; i < factors.length; i++) {
      if (factors[i] == 0.0) {
        for (ParamGradients g : layers) {
          g.zeroExample(i);
        }
      }
    }
  }
}
