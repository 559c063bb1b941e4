package org.sparkdpsgd.privacy;

/**
 * The privacy profile δ(ε) (hockey-stick divergence) of the Poisson-subsampled Gaussian mechanism
 * with sensitivity 1, in closed form through normal tail probabilities, for both directions of
 * add-or-remove-one: REMOVE compares P = (1−q)·N(0,σ²) + q·N(1,σ²) against Q = N(0,σ²); ADD
 * compares them the other way round.
 */
final class SubsampledGaussianProfile {
  /**
   * Normal quantile beyond which the mechanism's mass (≈ e^-53) is ignored when bounding losses.
   */
  private static final double TAIL_Z = 10.0;

  enum Direction {
    REMOVE,
    ADD
  }

  private final double q;
  private final double sigma;
  private final Direction direction;

  SubsampledGaussianProfile(double q, double sigma, Direction direction) {
    this.q = q;
    this.sigma = sigma;
    this.direction = direction;
  }

  /** Privacy loss log(P(x)/Q(x)) at output x. */
  double loss(double x) {
    double log = Math.log(mixtureRatio(x));
    return direction == Direction.REMOVE ? log : -log;
  }

  /** (1 − q) + q·exp((2x − 1)/(2σ²)) = mixture density / N(0) density. */
  private double mixtureRatio(double x) {
    return (1 - q) + q * Math.exp((2 * x - 1) / (2 * sigma * sigma));
  }

  /** The smallest and largest loss over outputs that carry non-negligible mass. */
  double[] lossRange() {
    double lo = -TAIL_Z * sigma;
    double hi = 1 + TAIL_Z * sigma;
    double a = loss(lo);
    double b = loss(hi);
    return new double[] {Math.min(a, b), Math.max(a, b)};
  }

  /** δ(ε) = P[L > ε] − e^ε · Q[L > ε]. */
  double delta(double epsilon) {
    if (direction == Direction.REMOVE) {
      double excess = Math.exp(epsilon) - (1 - q);
      if (excess <= 0) {
        return -Math.expm1(epsilon); // every output has loss > ε: δ = 1 − e^ε
      }
      double xStar = sigma * sigma * Math.log(excess / q) + 0.5;
      double tail0 = upperTail(xStar / sigma);
      double tail1 = upperTail((xStar - 1) / sigma);
      return Math.max(0, (1 - q) * tail0 + q * tail1 - Math.exp(epsilon) * tail0);
    }
    double excess = Math.exp(-epsilon) - (1 - q);
    if (excess <= 0) {
      return 0; // no output has loss > ε
    }
    double xStar = sigma * sigma * Math.log(excess / q) + 0.5;
    double cdf0 = LogMath.ndtr(xStar / sigma);
    double cdf1 = LogMath.ndtr((xStar - 1) / sigma);
    return Math.max(0, cdf0 - Math.exp(epsilon) * ((1 - q) * cdf0 + q * cdf1));
  }

  private static double upperTail(double z) {
    return LogMath.ndtr(-z);
  }
}
