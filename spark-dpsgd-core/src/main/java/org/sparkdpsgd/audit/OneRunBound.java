package org.sparkdpsgd.audit;

import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.special.Beta;
import org.sparkdpsgd.util.Checks;

/**
 * The statistics of the one-run privacy audit (Steinke, Nasr and Jagielski, "Privacy Auditing with
 * One (1) Training Run", NeurIPS 2023). Each of m canaries is put in the training set independently
 * with probability 1/2; after training, the auditor guesses "in" or "out" for r of them and
 * abstains on the rest, and v guesses are right. If training is (ε, δ)-DP, no auditor does much
 * better than ε-randomized response, whose guesses are each right with probability p = e^ε / (1 +
 * e^ε):
 *
 * <pre>
 *   P[V >= v] <= P[Binomial(r, p) >= v] + 2 m δ max_{i = 1..v} P[v - i <= Binomial(r, p) < v] / i.
 * </pre>
 *
 * A small right-hand side rejects (ε, δ); the largest ε rejected is the audit's lower bound. The
 * maths is pure: no state, no randomness. The δ term's probabilities are computed for the number of
 * wrong guesses, Binomial(r, 1 - p), because 1 - p = 1 / (1 + e^ε) keeps its precision when ε is
 * large while 1 - p computed from p would not. The upper tail is a regularized incomplete beta
 * function of p, I_p(v, r - v + 1), never 1 - cdf, so tails far below 1e-12 keep their relative
 * precision up to about r × 1e-16: the tail is roughly p^r, and p, rounded to a double, carries its
 * relative error of 1e-16 into it r times (against 50-digit values: 1.5e-13 at r = 1,000, 4e-12 at
 * r = 100,000).
 */
public final class OneRunBound {
  /** epsilonLowerBound searches [0, MAX_EPSILON]: e^50 is beyond any claim worth auditing. */
  public static final double MAX_EPSILON = 50;

  /** epsilonLowerBound's absolute precision. */
  public static final double EPSILON_TOLERANCE = 1e-6;

  private OneRunBound() {}

  /**
   * An upper bound on the probability of at least v right guesses out of r, made about m canaries,
   * when training is (epsilon, delta)-DP: the p-value of the hypothesis "(epsilon, delta)-DP".
   * Never more than 1; nondecreasing in epsilon.
   */
  public static double pValue(int m, int r, int v, double epsilon, double delta) {
    checkCounts(m, r, v);
    Checks.nonNegative("epsilon", epsilon);
    checkDelta(delta);
    double wrongRate = 1 / (1 + Math.exp(epsilon));
    double rightRate = 1 / (1 + Math.exp(-epsilon));
    double bound = atLeast(v, r, rightRate);
    if (delta > 0 && v > 0) {
      bound +=
          2.0
              * m
              * delta
              * worstBandAverage(r, v, wrongRate); // 2 * m overflows an int for m > 2^30
    }
    return Math.min(bound, 1);
  }

  /**
   * The largest epsilon (to {@link #EPSILON_TOLERANCE}, from below) whose p-value is at most 1 -
   * confidence: with that confidence, training is not (ε, delta)-DP for any smaller ε. Zero when
   * even ε = 0 is not rejected, and {@link #MAX_EPSILON} when ε = MAX_EPSILON is still rejected
   * (the search stops there). The p-value grows with ε, so the rejected values form an interval
   * starting at 0 and bisection finds its end.
   */
  public static double epsilonLowerBound(int m, int r, int v, double delta, double confidence) {
    checkCounts(m, r, v);
    checkDelta(delta);
    Checks.openProbability("confidence", confidence);
    double level = 1 - confidence;
    if (pValue(m, r, v, 0, delta) > level) {
      return 0;
    }
    if (pValue(m, r, v, MAX_EPSILON, delta) <= level) {
      return MAX_EPSILON;
    }
    double rejected = 0;
    double kept = MAX_EPSILON;
    while (kept - rejected > EPSILON_TOLERANCE) {
      double mid = (rejected + kept) / 2;
      if (pValue(m, r, v, mid, delta) <= level) {
        rejected = mid;
      } else {
        kept = mid;
      }
    }
    return rejected;
  }

  /** P[Binomial(r, rate) >= v] = I_rate(v, r - v + 1), computed directly, not as 1 - cdf. */
  static double atLeast(int v, int r, double rate) {
    if (v <= 0) {
      return 1;
    }
    if (v > r) {
      return 0;
    }
    return Beta.regularizedBeta(rate, v, r - v + 1.0);
  }

  /**
   * max over i = 1..v of P[v - i <= R < v] / i, R the number of right guesses, r - R ~ Binomial(r,
   * wrongRate): the largest average of the probabilities of v - 1, v - 2, ..., v - i right guesses.
   * Once the sum has passed R's mode going down, each further probability is no larger than the one
   * before; when it is also no larger than the running average, the average can only fall from
   * there on, and the loop stops.
   */
  private static double worstBandAverage(int r, int v, double wrongRate) {
    BinomialDistribution wrong = new BinomialDistribution(null, r, wrongRate);
    double mode = (r + 1) * (1 - wrongRate);
    double sum = 0;
    double worst = 0;
    for (int i = 1; i <= v; i++) {
      int right = v - i;
      double term = wrong.probability(r - right);
      sum += term;
      worst = Math.max(worst, sum / i);
      if (right <= mode && term * i <= sum) {
        break;
      }
    }
    return worst;
  }

  private static void checkCounts(int m, int r, int v) {
    Checks.positive("m (canaries)", m);
    if (r < 0 || r > m) {
      throw Checks.fail("r (guesses)", "in [0, m = " + m + "]", r);
    }
    if (v < 0 || v > r) {
      throw Checks.fail("v (right guesses)", "in [0, r = " + r + "]", v);
    }
  }

  private static void checkDelta(double delta) {
    if (!(delta >= 0 && delta < 1)) {
      throw Checks.fail("delta", "in [0, 1)", delta);
    }
  }
}
