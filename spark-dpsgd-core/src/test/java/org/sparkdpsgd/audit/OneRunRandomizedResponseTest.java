package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.CryptoRandom;

/**
 * The bound against the mechanism it is built on, ε-randomized response. Each trial: m = 1,000
 * canaries, each in the training set with probability 1/2; the "training" reports each canary's
 * membership truthfully with probability p = e^ε / (1 + e^ε) and flipped otherwise, which is ε-DP
 * for each canary and no more; the auditor guesses every canary as reported (r = m), and the bound
 * is taken at δ = 0 and confidence 0.95. Then v ~ Binomial(1000, p), and the exact distribution of
 * the bound follows; the script at the end of this file computes it with scipy.
 *
 * <p>Validity: a trial's bound exceeds the true ε with probability at most 1 - 0.95 (exactly 0.044,
 * 0.049 and 0.030 at ε = 0.5, 2 and 4: v is discrete). Over 400 trials per ε, more than 44
 * exceedances has probability at most 4.6e-7 (Binomial(400, 0.05)).
 *
 * <p>Tightness: the mean bound over the 400 trials is within 6 standard deviations of its exact
 * expectation (0.39136, 1.84032 and 3.62146; the normal approximation puts a larger miss at 2e-9);
 * at ε = 2 every trial's bound is above 1.0 (a bound of 1.0 or less needs v ≤ 754, where v averages
 * 881: probability 1.6e-28 a trial).
 *
 * <p>False-failure probability: below 1.5e-6 in all (three validity checks at 4.6e-7, three mean
 * checks at 2e-9). The streams are seeded, so a pass or a failure repeats: that is the chance of an
 * unlucky seed. 1,200 trials of 2,000 draws and a bisection each: well under a second.
 */
class OneRunRandomizedResponseTest {
  private static final int M = 1000;
  private static final int TRIALS = 400;
  private static final double CONFIDENCE = 0.95;
  private static final int MAX_EXCEEDANCES = 44;

  /** The bounds of {@link #TRIALS} seeded trials of ε-randomized response. */
  private static double[] bounds(double epsilon) {
    double p = 1 / (1 + Math.exp(-epsilon));
    double[] bounds = new double[TRIALS];
    for (int t = 0; t < TRIALS; t++) {
      CryptoRandom random =
          CryptoRandom.derived(
              "one-run-randomized-response-test",
              "trial".getBytes(StandardCharsets.US_ASCII),
              Double.doubleToLongBits(epsilon),
              t);
      int right = 0;
      for (int k = 0; k < M; k++) {
        boolean included = random.nextDouble() < 0.5;
        boolean reported = random.nextDouble() < p ? included : !included;
        right += reported == included ? 1 : 0;
      }
      bounds[t] = OneRunBound.epsilonLowerBound(M, M, right, 0, CONFIDENCE);
    }
    return bounds;
  }

  /** Checks validity and the mean, and returns the trials' bounds. */
  private static double[] check(double epsilon, double expectedMean, double meanTolerance) {
    double[] bounds = bounds(epsilon);
    int exceedances = 0;
    double sum = 0;
    for (double b : bounds) {
      exceedances += b > epsilon ? 1 : 0;
      sum += b;
    }
    double mean = sum / TRIALS;
    System.out.printf(
        Locale.ROOT,
        "randomized response ε = %.1f: mean bound %.4f (exact %.4f), %d of %d above ε%n",
        epsilon,
        mean,
        expectedMean,
        exceedances,
        TRIALS);
    assertTrue(
        exceedances <= MAX_EXCEEDANCES,
        exceedances + " of " + TRIALS + " bounds above ε = " + epsilon + ": not a 95% bound");
    assertEquals(expectedMean, mean, meanTolerance, "mean bound at ε = " + epsilon);
    return bounds;
  }

  @Test
  void smallEpsilon() {
    check(0.5, 0.39136, 0.0193);
  }

  @Test
  void epsilonTwo() {
    for (double b : check(2.0, 1.84032, 0.0276)) {
      assertTrue(b > 1.0, "a bound of " + b + " at ε = 2 with every guess counted");
    }
  }

  @Test
  void largeEpsilon() {
    check(4.0, 3.62146, 0.0595);
  }

  /*
   * The numbers above (Python 3.11, scipy 1.17.1):
   *
   * import numpy as np
   * from scipy.stats import binom
   * from scipy.optimize import brentq
   * m, level, trials = 1000, 0.05, 400
   * def bound(v):  # delta = 0, all m guesses: the largest eps with P[Binomial(m, p) >= v] <= level
   *     g = lambda e: binom.sf(v - 1, m, 1 / (1 + np.exp(-e))) - level
   *     return 0.0 if g(0) > 0 else brentq(g, 0, 50, xtol=1e-12)
   * for eps in [0.5, 2.0, 4.0]:
   *     p = 1 / (1 + np.exp(-eps))
   *     vs = np.arange(binom.ppf(1e-16, m, p), binom.isf(1e-16, m, p) + 1).astype(int)
   *     w, b = binom.pmf(vs, m, p), np.array([bound(v) for v in vs])
   *     mean, sd = np.sum(w * b), np.sqrt(np.sum(w * (b - np.sum(w * b)) ** 2))
   *     above = np.sum(w[b > eps])  # P[bound > eps], at most 1 - confidence = 0.05
   *     print(f"eps {eps}: P[bound > eps] = {above:.4f}, E bound = {mean:.5f}, sd {sd:.4f}, "
   *           f"6 sd of the mean of {trials}: {6 * sd / np.sqrt(trials):.4f}")
   * print("bounds at v = 754, 755:", bound(754), bound(755),
   *       "P[v <= 754] at eps 2:", binom.cdf(754, m, 1 / (1 + np.exp(-2))))
   * k = int(binom.isf(1e-6, trials, level))  # P[Binomial(400, 0.05) > k] <= 1e-6
   * print("max exceedances", k, binom.sf(k, trials, level))
   */
}
