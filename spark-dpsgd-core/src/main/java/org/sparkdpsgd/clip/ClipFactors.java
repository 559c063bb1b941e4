package org.sparkdpsgd.clip;

/**
 * Per-example clipping: example i's gradient is scaled by c_i = min(1, C / ‖g_i‖), so its
 * contribution to the sum has norm at most C, the sensitivity the noise is calibrated to.
 */
public final class ClipFactors {
  private ClipFactors() {}

  /**
   * Factors from squared norms. A zero gradient keeps factor 1. A non-finite gradient (overflow
   * under extreme weights or inputs) cannot be scaled to norm C, so its example is dropped: factor
   * 0, and {@link org.sparkdpsgd.model.BatchGradients} zeroes its rows before the sum.
   */
  public static double[] fromSquaredNorms(double[] squaredNorms, double clip) {
    double[] c = new double[squaredNorms.length];
    for (int i = 0; i < c.length; i++) {
      double norm = Math.sqrt(squaredNorms[i]);
      if (!Double.isFinite(norm)) {
        c[i] = 0.0;
      } else {
        c[i] = norm <= clip ? 1.0 : clip / norm;
      }
    }
    return c;
  }
}
