package org.sparkdpsgd.clip;

/**
 * Per-example clipping: example i's gradient is scaled by c_i = min(1, C / (B_i (1 + MARGIN))),
 * where B_i bounds the norm of the contribution as it is computed, rounding included (see {@link
 * org.sparkdpsgd.model.ParamGradients}), so that the contribution to the sum has norm at most C,
 * the sensitivity the noise is calibrated to.
 */
public final class ClipFactors {
  /**
   * Covers what the layers' bounds leave out: c_i is rounded into the network's precision (a
   * relative 2⁻²⁴ in float), the bounds are summed and square-rooted in double (relative errors
   * below 1e-12 for any layer size that fits in memory), and products that underflow in the
   * weighted sum (absolute errors below 1e-40 in float, far under 1e-6·C for any C ≥ 1e-30).
   */
  public static final double MARGIN = 1e-6;

  private ClipFactors() {}

  /**
   * Factors from squared norm bounds. A zero gradient keeps factor 1. A non-finite bound (overflow
   * under extreme weights or inputs) cannot be scaled to norm C, so its example is dropped: factor
   * 0, and {@link org.sparkdpsgd.model.BatchGradients} zeroes its rows before the sum.
   */
  public static double[] fromSquaredNorms(double[] squaredNormBounds, double clip) {
    double[] c = new double[squaredNormBounds.length];
    for (int i = 0; i < c.length; i++) {
      double bound = Math.sqrt(squaredNormBounds[i]) * (1 + MARGIN);
      if (!Double.isFinite(bound)) {
        c[i] = 0.0;
      } else {
        c[i] = bound <= clip ? 1.0 : clip / bound;
      }
    }
    return c;
  }
}
