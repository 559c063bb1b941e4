package org.sparkdpsgd.privacy;

import org.apache.commons.math3.special.Erf;

/** Arithmetic in log space and an accurate log of the standard normal CDF. */
final class LogMath {
  private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

  private LogMath() {}

  /** log(e^x + e^y). */
  static double logAdd(double x, double y) {
    double a = Math.min(x, y);
    double b = Math.max(x, y);
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    return Math.log1p(Math.exp(a - b)) + b;
  }

  /** log(e^x − e^y), for x ≥ y. */
  static double logSub(double x, double y) {
    if (x < y) {
      throw new IllegalArgumentException(
          "logSub: the result would be the log of a negative number");
    }
    if (y == Double.NEGATIVE_INFINITY) {
      return x;
    }
    if (x == y) {
      return Double.NEGATIVE_INFINITY;
    }
    double d = Math.expm1(x - y);
    return Double.isInfinite(d) ? x : Math.log(d) + y;
  }

  /**
   * log Φ(x), accurate in both tails: −Φ(−x) for large x (log1p would lose it), the complementary
   * error function in the middle, and the asymptotic series where Φ(x) underflows.
   */
  static double logNdtr(double x) {
    if (x > 6) {
      return -ndtr(-x);
    }
    if (x > -20) {
      return Math.log(ndtr(x));
    }
    // Φ(x) = φ(x)/(-x) · (1 - 1/x² + 3/x⁴ - 15/x⁶ + ...), for x → −∞.
    double x2 = x * x;
    double term = 1;
    double sum = 1;
    for (int k = 1; k <= 12; k++) {
      term *= -(2 * k - 1) / x2;
      sum += term;
    }
    return -0.5 * x2 - Math.log(-x) - LOG_SQRT_2PI + Math.log(sum);
  }

  /** Φ(x) = erfc(−x/√2)/2. */
  static double ndtr(double x) {
    return 0.5 * Erf.erfc(-x / Math.sqrt(2));
  }
}
