package org.sparkdpsgd.privacy;

/**
 * Rényi-DP of the Poisson-subsampled Gaussian mechanism and conversion to (ε, δ), following the
 * analysis used by Google's dp_accounting (Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy
 * of the Sampled Gaussian Mechanism"; conversion of Canonne, Kamath, Steinke 2020). Pure functions;
 * the accountant keeps the state.
 */
final class RdpAnalysis {
  private RdpAnalysis() {}

  /** The default orders of dp_accounting: 1.1..10.9 by 0.1, 11..63, 128, 256, 512, 1024. */
  static double[] defaultOrders() {
    double[] orders = new double[156];
    int k = 0;
    for (int x = 1; x < 100; x++) {
      orders[k++] = 1 + x / 10.0;
    }
    for (int a = 11; a < 64; a++) {
      orders[k++] = a;
    }
    for (int a : new int[] {128, 256, 512, 1024}) {
      orders[k++] = a;
    }
    return orders;
  }

  /** RDP of one Poisson-subsampled Gaussian step at each order. */
  static double[] poissonSubsampledGaussian(double q, double sigma, double[] orders) {
    double[] rdp = new double[orders.length];
    for (int i = 0; i < orders.length; i++) {
      rdp[i] = oneOrder(q, sigma, orders[i]);
    }
    return rdp;
  }

  private static double oneOrder(double q, double sigma, double alpha) {
    if (q == 0) {
      return 0;
    }
    if (Double.isInfinite(alpha) || sigma == 0) {
      return Double.POSITIVE_INFINITY;
    }
    if (q == 1) {
      return alpha / (2 * sigma * sigma);
    }
    double logA =
        alpha == Math.rint(alpha) ? logAInt(q, sigma, (int) alpha) : logAFrac(q, sigma, alpha);
    return logA / (alpha - 1);
  }

  /** log A_α for integer α by the binomial expansion, in log space. */
  static double logAInt(double q, double sigma, int alpha) {
    double logA = Double.NEGATIVE_INFINITY;
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double logBinom = 0; // log C(α, 0)
    for (int i = 0; i <= alpha; i++) {
      if (i > 0) {
        logBinom += Math.log(alpha - i + 1) - Math.log(i);
      }
      double s =
          logBinom + i * logQ + (alpha - i) * log1mQ + ((double) i * i - i) / (2 * sigma * sigma);
      logA = LogMath.logAdd(logA, s);
    }
    return logA;
  }

  /** Iterations of the fractional-order series before the order is given up (ε = ∞ there). */
  static final int MAX_FRAC_TERMS = 1000;

  /**
   * log A_α for fractional α: the two-sided series of Mironov et al. (2019, Sec. 3.3) with |C(α,
   * i)| (an upper bound, as in current dp_accounting), summed until both halves' terms are
   * decreasing and 30 nats below the total. If it does not converge the order is excluded (∞).
   */
  static double logAFrac(double q, double sigma, double alpha) {
    double logA0 = Double.NEGATIVE_INFINITY;
    double logA1 = Double.NEGATIVE_INFINITY;
    double lastS0 = Double.NEGATIVE_INFINITY;
    double lastS1 = Double.NEGATIVE_INFINITY;
    double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double logAbsCoef = 0; // log |C(α, i)|, built as a running product
    for (int i = 0; i < MAX_FRAC_TERMS; i++) {
      if (i > 0) {
        logAbsCoef += Math.log(Math.abs((alpha - i + 1) / i));
      }
      double j = alpha - i;
      double logT0 = logAbsCoef + i * logQ + j * log1mQ;
      double logT1 = logAbsCoef + j * logQ + i * log1mQ;
      // log(erfc(x)/2) = log Φ(−x·√2); here x = (i − z0)/(√2 σ) and (z0 − j)/(√2 σ).
      double logE0 = LogMath.logNdtr((z0 - i) / sigma);
      double logE1 = LogMath.logNdtr((j - z0) / sigma);
      double logS0 = logT0 + ((double) i * i - i) / (2 * sigma * sigma) + logE0;
      double logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
      logA0 = LogMath.logAdd(logA0, logS0);
      logA1 = LogMath.logAdd(logA1, logS1);
      double total = LogMath.logAdd(logA0, logA1);
      if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) {
        return total;
      }
      lastS0 = logS0;
      lastS1 = logS1;
    }
    return Double.POSITIVE_INFINITY;
  }

  /**
   * The smallest ε over the orders, by the conversion dp_accounting uses (Canonne, Kamath and
   * Steinke 2020, Proposition 12): ε = r + log(1 − 1/α) − log(δ·α)/(α − 1); when δ² + e^{−r} − 1 >
   * 0 the KL bound already gives ε = 0.
   */
  static EpsilonAndOrder epsilon(double[] orders, double[] rdp, double delta) {
    if (delta == 0) {
      boolean nothingSpent = java.util.Arrays.stream(rdp).allMatch(r -> r == 0);
      return new EpsilonAndOrder(nothingSpent ? 0 : Double.POSITIVE_INFINITY, 0);
    }
    int best = -1;
    double bestEps = Double.POSITIVE_INFINITY;
    for (int i = 0; i < orders.length; i++) {
      double a = orders[i];
      double r = rdp[i];
      double eps;
      if (delta * delta + Math.expm1(-r) > 0) {
        eps = 0;
      } else if (a > 1.01) {
        eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
      } else {
        eps = Double.POSITIVE_INFINITY;
      }
      if (best < 0 || eps < bestEps) { // first minimum, like numpy's argmin
        best = i;
        bestEps = eps;
      }
    }
    return new EpsilonAndOrder(Math.max(0, bestEps), orders[best]);
  }

  /** The smallest δ over the orders for a given ε (dp_accounting's _compute_delta). */
  static double delta(double[] orders, double[] rdp, double epsilon) {
    double bestLogDelta = Double.POSITIVE_INFINITY;
    for (int i = 0; i < orders.length; i++) {
      double a = orders[i];
      double r = rdp[i];
      double logDelta = r == 0 ? Double.NEGATIVE_INFINITY : 0.5 * Math.log1p(-Math.exp(-r));
      if (a > 1.01) {
        double rdpBound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
        logDelta = Math.min(logDelta, rdpBound);
      }
      bestLogDelta = Math.min(bestLogDelta, logDelta);
    }
    return Math.min(Math.exp(bestLogDelta), 1.0);
  }
}
