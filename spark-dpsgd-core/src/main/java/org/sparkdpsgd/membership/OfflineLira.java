package org.sparkdpsgd.membership;

import org.sparkdpsgd.util.Checks;

/**
 * Offline LiRA's test (Carlini et al. 2022, §VI "offline"): for each attacked example, fit a
 * Gaussian to the statistic under reference models that did NOT train on it, and score the target
 * model's statistic by how far above that Gaussian it lies, z = (φ − μ) / σ. The one-sided test "φ
 * is larger than models without the example give" rejects at level 1 − Φ(z); z orders the examples
 * as that p-value does, so z is the score.
 *
 * <p>With fewer than {@link #PER_EXAMPLE_VARIANCE_FROM} references each example's own variance is
 * too noisy (the paper found a global variance better with few models): σ² is then the mean of the
 * examples' variances, the same for all; μ stays per example.
 */
final class OfflineLira {
  static final int PER_EXAMPLE_VARIANCE_FROM = 32;

  /** Below any statistic's spread: keeps z finite (or ±∞, never NaN) when references agree. */
  private static final double MIN_SD = 1e-12;

  private OfflineLira() {}

  /**
   * @param target the target model's statistic per example
   * @param references {@code references[j][i]}: reference model j's statistic of example i
   */
  static double[] scores(double[] target, double[][] references) {
    int k = references.length;
    if (k < 2) {
      throw Checks.fail("the number of reference models", ">= 2", k);
    }
    int n = target.length;
    for (double[] r : references) {
      if (r.length != n) {
        throw new IllegalArgumentException(
            "a reference model scored " + r.length + " examples; the target scored " + n);
      }
    }
    double[] mean = new double[n];
    double[] variance = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (double[] r : references) {
        s += r[i];
      }
      mean[i] = s / k;
      double ss = 0;
      for (double[] r : references) {
        ss += (r[i] - mean[i]) * (r[i] - mean[i]);
      }
      variance[i] = ss / (k - 1);
    }
    if (k < PER_EXAMPLE_VARIANCE_FROM) {
      double pooled = 0;
      for (double v : variance) {
        pooled += v / n;
      }
      java.util.Arrays.fill(variance, pooled);
    }
    double[] z = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = (target[i] - mean[i]) / Math.max(Math.sqrt(variance[i]), MIN_SD);
    }
    return z;
  }
}
