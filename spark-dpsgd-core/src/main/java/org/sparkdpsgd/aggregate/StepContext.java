package org.sparkdpsgd.aggregate;

import java.io.Serializable;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.SamplingKey;

/**
 * What every executor needs to know about one step, besides the weights.
 *
 * @param l2NormClip the clipping bound C, or {@code Double.POSITIVE_INFINITY} for the non-private
 *     baseline (no clipping)
 * @param samplingRate q, the probability that each example is in this step's sample
 * @param maxRows an upper bound of the number of examples (the training set's size): it bounds
 *     every sum and so sets the fixed-point grid of exact aggregation
 * @param numMicrobatches M microbatches (each sampled example joins one uniformly at random and
 *     each microbatch's mean gradient is clipped on the driver, {@link MicrobatchSums}), or 0 for
 *     per-example clipping on the executors
 */
public record StepContext(
    ModelSpec spec,
    double l2NormClip,
    double samplingRate,
    SamplingKey samplingKey,
    long step,
    boolean useDouble,
    long maxRows,
    int numMicrobatches)
    implements Serializable {

  /** Without clipping nothing bounds a sum: the non-private baseline's grid covers ±2³⁰. */
  static final double NON_PRIVATE_UNIT = 0x1p-32;

  public StepContext {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be >= 1; provided value: " + maxRows);
    }
    if (numMicrobatches < 0) {
      throw new IllegalArgumentException(
          "numMicrobatches must be >= 0; provided value: " + numMicrobatches);
    }
  }

  /** Per-example clipping (no microbatches). */
  public StepContext(
      ModelSpec spec,
      double l2NormClip,
      double samplingRate,
      SamplingKey samplingKey,
      long step,
      boolean useDouble,
      long maxRows) {
    this(spec, l2NormClip, samplingRate, samplingKey, step, useDouble, maxRows, 0);
  }

  /** The same settings for step {@code t}. */
  public StepContext atStep(long t) {
    return new StepContext(
        spec, l2NormClip, samplingRate, samplingKey, t, useDouble, maxRows, numMicrobatches);
  }

  /**
   * True if each microbatch's mean gradient is clipped (on the driver) instead of each example's.
   */
  public boolean microbatches() {
    return numMicrobatches > 0;
  }

  public boolean clipping() {
    return !Double.isInfinite(l2NormClip);
  }

  /**
   * The unit of the fixed-point sums: C·2⁻ᵏ with k the largest integer such that 2⁶²⁻ᵏ ≥ 2·(maxRows
   * + 1). Every coordinate of any sum of clipped contributions is at most maxRows·C in magnitude
   * (each contribution has norm ≤ C; twice that leaves room for floating-point rounding inside a
   * task), so every sum, and every sum of sums, fits the 2⁶² units that {@link ExactSum} allows:
   * overflow is impossible by construction. For 60,000 examples the unit is C·2⁻⁴⁵ ≈ 2.8e-14·C.
   */
  public double fixedPointUnit() {
    return fixedPointUnit(l2NormClip, maxRows);
  }

  /** The unit above for a clip C (infinite: no clipping) and a bound on the number of examples. */
  public static double fixedPointUnit(double l2NormClip, long maxRows) {
    if (Double.isInfinite(l2NormClip)) {
      return NON_PRIVATE_UNIT;
    }
    int headroom = 64 - Long.numberOfLeadingZeros(2 * (maxRows + 1) - 1); // ⌈log₂ 2(maxRows + 1)⌉
    return Math.scalb(l2NormClip, -(62 - headroom));
  }
}
