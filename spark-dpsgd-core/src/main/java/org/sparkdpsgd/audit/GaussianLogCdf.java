package org.sparkdpsgd.audit;

import org.apache.commons.math3.special.Erf;

/**
 * The standard normal's log-density and log-CDF, the latter accurate in relative terms far into the
 * lower tail (a memorised canary sits hundreds of standard deviations below the candidates, where Φ
 * itself underflows to zero).
 */
final class GaussianLogCdf {
  private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
  private static final double SQRT2 = Math.sqrt(2);

  /**
   * Below this, the asymptotic series is used: its first omitted term is 945 / x^10 < 2e-12 here,
   * while erfc(21.2) (about 1e-197) is still far from underflow.
   */
  private static final double SERIES_BELOW = -30;

  private GaussianLogCdf() {}

  static double logDensity(double x) {
    return -0.5 * x * x - LOG_SQRT_2PI;
  }

  /** log Φ(x). */
  static double logCdf(double x) {
    if (x >= 0) {
      return Math.log1p(-0.5 * Erf.erfc(x / SQRT2));
    }
    if (x > SERIES_BELOW) {
      return Math.log(0.5 * Erf.erfc(-x / SQRT2));
    }
    // Mills' ratio: Φ(x) = φ(x)/|x| (1 - 1/x² + 3/x⁴ - 15/x⁶ + 105/x⁸ - ...) as x → -∞.
    double r = 1 / (x * x);
    double series = 1 - r * (1 - r * (3 - r * (15 - r * 105)));
    return logDensity(x) - Math.log(-x) + Math.log(series);
  }

  /** φ(x)/Φ(x), the derivative of log Φ; tends to -x in the lower tail. */
  static double inverseMillsRatio(double x) {
    return Math.exp(logDensity(x) - logCdf(x));
  }
}
