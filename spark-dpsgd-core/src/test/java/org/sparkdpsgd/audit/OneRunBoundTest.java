package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The one-run bound against numbers computed independently in Python by the script at the end of
 * this file: the formula of {@link OneRunBound}'s class comment written out with scipy's binomial
 * functions, the δ term's maximum taken over every i with no early stop, the bounds found with
 * scipy's brentq to 1e-13; and the same sums at 50 digits with mpmath, for the deep tails.
 *
 * <p>Tolerances. A p-value is pinned to a relative 1e-12 + 2e-16 × r. The tail is close to p^r, and
 * p = 1 / (1 + e^-ε), rounded to a double, is off by up to about 2e-16 relatively, which the power
 * multiplies by r; scipy's values carry the same error, and agree with the 50-digit ones to 2e-13
 * at r ≤ 1,000 (to 4e-12 at r = 100,000, where the 50-digit values are pinned instead). A bound is
 * pinned from below: epsilonLowerBound returns the rejected end of its last bisection interval, so
 * it lies in [ε* - {@link OneRunBound#EPSILON_TOLERANCE}, ε*] for the root ε*; the p-values' errors
 * move the root by far less than the 1e-9 allowed on either side.
 */
class OneRunBoundTest {
  private static final double BISECTION = OneRunBound.EPSILON_TOLERANCE;

  private static void assertPValue(double expected, int m, int r, int v, double eps, double delta) {
    double actual = OneRunBound.pValue(m, r, v, eps, delta);
    double tolerance = (1e-12 + 2e-16 * r) * expected;
    String what = "m " + m + ", r " + r + ", v " + v + ", ε " + eps + ", δ " + delta;
    assertEquals(expected, actual, tolerance, what);
  }

  private static void assertBound(double expected, int m, int r, int v, double delta, double c) {
    double actual = OneRunBound.epsilonLowerBound(m, r, v, delta, c);
    String what = "m " + m + ", r " + r + ", v " + v + ", δ " + delta + ", confidence " + c;
    assertTrue(actual <= expected + 1e-9, what + ": " + actual + " above " + expected);
    assertTrue(actual >= expected - BISECTION - 1e-9, what + ": " + actual + " below " + expected);
  }

  /**
   * In the cases with δ > 0 the δ term's maximum average over i lies at i = 29, 36, 5, 1, 106, 58
   * and 22, in order: some bands are widest at their first term, others run down past R's mode, so
   * the early stop of the band's sum is tested where it stops at once and where it must run on.
   */
  @Test
  void pValuesMatchScipy() {
    assertPValue(0.0028822172142490576, 1000, 600, 550, 2.0, 0);
    assertPValue(0.0034613691539248674, 1000, 600, 550, 2.0, 1e-5);
    assertPValue(0.017426654166678022, 1000, 600, 399, 0.5, 1e-5);
    assertPValue(0.020850000376423358, 1000, 600, 600, 5.0, 1e-5);
    assertPValue(0.23314379764665327, 1000, 600, 600, 6.0, 1e-5);
    assertPValue(0.018157595155800496, 1000, 600, 580, 1.5, 1e-3);
    // The δ term, 2mδ × 0.0163 (the bulk of Binomial(1000, p) below 1000), dwarfs the tail,
    // 7.9e-22.
    assertPValue(3.264462004923039e-08, 1000, 1000, 1000, 3.0, 1e-9);
    // 2 * m overflowed an int here and turned the δ term negative.
    assertPValue(0.00020214835756650289, Integer.MAX_VALUE, 100, 90, 1.0, 1e-12);
  }

  /** At ε = 0, P[Binomial(1000, 1/2) >= 500] = (1 + P[= 500]) / 2 by symmetry. */
  @Test
  void epsilonZeroIsAFairCoin() {
    assertPValue(0.5126125090891802, 1000, 1000, 500, 0.0, 0);
    double middle = new BinomialDistribution(null, 1000, 0.5).probability(500);
    assertEquals((1 + middle) / 2, OneRunBound.pValue(1000, 1000, 500, 0, 0), 1e-13);
  }

  /**
   * Tails far below 1e-12 at large ε keep their relative precision: v = r (every guess right) or
   * nearly, with r large enough that even p = 0.999 (ε = 7) leaves a tail of 3e-27. Pinned to the
   * 50-digit values.
   */
  @Test
  void deepTailsAtLargeEpsilonKeepTheirRelativePrecision() {
    assertPValue(7.9210238552744116e-22, 1000, 1000, 1000, 3.0, 0);
    assertPValue(6.8487619495053039e-30, 10_000, 10_000, 10_000, 5.0, 0);
    assertPValue(3.1970696493284151e-27, 100_000, 100_000, 99_990, 7.0, 0);
  }

  @Test
  void pValueIsCappedAtOne() {
    // 300 right of 600 is far below the 528 expected at ε = 2: no evidence at all.
    assertEquals(1.0, OneRunBound.pValue(1000, 600, 300, 2.0, 1e-5));
    assertEquals(1.0, OneRunBound.pValue(1000, 600, 0, 0.0, 0));
    assertEquals(1.0, OneRunBound.pValue(1000, 0, 0, 3.0, 1e-5));
  }

  /**
   * The last three back claims made elsewhere: OneRunAudit's comment (600 of 600 right shows 5.3),
   * the measured honest run of the one-run commit (399 of 600 right, bound 0.54), and
   * OneRunAuditTest's comment (at 552 of 600 the bound at 0.999 drops below 2; 400 of 400 with m =
   * 2,000 and δ = 1e-5 give only 2.52).
   */
  @Test
  void epsilonLowerBoundsMatchScipy() {
    assertBound(2.150384119830139, 1000, 600, 550, 0, 0.95);
    assertBound(2.1492849921512405, 1000, 600, 550, 1e-5, 0.95);
    assertBound(5.270399463514668, 1000, 600, 600, 1e-5, 0.95);
    assertBound(0.5400146107590044, 1000, 600, 399, 1e-5, 0.95);
    assertBound(1.9913209517576218, 1000, 600, 552, 1e-6, 0.999);
    assertBound(2.0100857531327856, 1000, 600, 553, 1e-6, 0.999);
    assertBound(2.519520974874347, 2000, 400, 400, 1e-5, 0.999);
  }

  /** With δ = 0 and every guess right the p-value is p^r: the bound is logit(0.05^(1/r)). */
  @Test
  void allRightWithoutDeltaHasAClosedForm() {
    double p = Math.pow(0.05, 1.0 / 100);
    double closedForm = Math.log(p / (1 - p));
    assertEquals(3.4929654311522933, closedForm, 1e-12);
    assertBound(closedForm, 100, 100, 100, 0, 0.95);
  }

  @Test
  void zeroWhenEvenEpsilonZeroIsNotRejected() {
    // 320 of 600 right: P[Binomial(600, 1/2) >= 320] = 0.056 > 0.05, before the δ term.
    assertEquals(0.0, OneRunBound.epsilonLowerBound(1000, 600, 320, 1e-5, 0.95));
    assertEquals(0.0, OneRunBound.epsilonLowerBound(1000, 600, 0, 0, 0.95));
    assertEquals(0.0, OneRunBound.epsilonLowerBound(1000, 0, 0, 0, 0.95));
  }

  /** The bisection's answer is where the p-value crosses 1 - confidence. */
  @Test
  void theBoundIsWhereThePValueCrossesTheLevel() {
    int[][] mrv = {{1000, 600, 550}, {1000, 600, 600}, {1000, 600, 399}, {200, 200, 190}};
    for (int[] c : mrv) {
      for (double delta : new double[] {0, 1e-5}) {
        for (double confidence : new double[] {0.9, 0.95, 0.999}) {
          double eps = OneRunBound.epsilonLowerBound(c[0], c[1], c[2], delta, confidence);
          String what = c[0] + "/" + c[1] + "/" + c[2] + ", δ " + delta + ", c " + confidence;
          assertTrue(eps > 0, what);
          assertTrue(OneRunBound.pValue(c[0], c[1], c[2], eps, delta) <= 1 - confidence, what);
          double kept = eps + 2 * BISECTION;
          assertTrue(OneRunBound.pValue(c[0], c[1], c[2], kept, delta) > 1 - confidence, what);
        }
      }
    }
  }

  /**
   * The p-value grows with ε (the bisection relies on it), here on a grid of 0.01 up to 15. A
   * relative slack of 1e-12 allows for the incomplete beta function's last digits; a fall of that
   * size would not move the bound.
   */
  @Test
  void pValueIsNondecreasingInEpsilon() {
    double[][] cases = {
      {1000, 600, 550, 0},
      {1000, 600, 550, 1e-5},
      {1000, 600, 600, 1e-5},
      {1000, 600, 399, 1e-5},
      {1000, 600, 580, 1e-3},
      {50, 50, 40, 0.01},
      {1000, 1000, 1000, 0}
    };
    for (double[] c : cases) {
      double previous = 0;
      for (int step = 0; step <= 1500; step++) {
        double eps = step / 100.0;
        double p = OneRunBound.pValue((int) c[0], (int) c[1], (int) c[2], eps, c[3]);
        assertTrue(
            p >= previous * (1 - 1e-12),
            "m "
                + c[0]
                + ", r "
                + c[1]
                + ", v "
                + c[2]
                + ", δ "
                + c[3]
                + ": p-value falls to "
                + p
                + " at ε "
                + eps
                + " from "
                + previous);
        previous = p;
      }
      assertTrue(previous > 0.99, "p-value at ε = 15: " + previous);
    }
  }

  /** More right guesses reject more; a larger δ or confidence rejects less. */
  @Test
  void boundGrowsWithRightGuessesAndShrinksWithDeltaAndConfidence() {
    double previous = 0;
    for (int v = 300; v <= 600; v += 10) {
      double eps = OneRunBound.epsilonLowerBound(1000, 600, v, 1e-5, 0.95);
      assertTrue(eps >= previous, "v " + v + ": " + eps + " < " + previous);
      previous = eps;
    }
    assertTrue(
        OneRunBound.epsilonLowerBound(1000, 600, 570, 1e-3, 0.95)
            < OneRunBound.epsilonLowerBound(1000, 600, 570, 1e-6, 0.95));
    assertTrue(
        OneRunBound.epsilonLowerBound(1000, 600, 570, 1e-5, 0.999)
            < OneRunBound.epsilonLowerBound(1000, 600, 570, 1e-5, 0.9));
  }

  @Test
  void badArgumentsFailWithOneLineMessagesNamingTheValue() {
    Map<String, Executable> cases =
        Map.ofEntries(
            Map.entry(
                "m (canaries) must be > 0; provided value: 0",
                () -> OneRunBound.pValue(0, 0, 0, 1, 0)),
            Map.entry(
                "r (guesses) must be in [0, m = 10]; provided value: 11",
                () -> OneRunBound.pValue(10, 11, 5, 1, 0)),
            Map.entry(
                "r (guesses) must be in [0, m = 10]; provided value: -1",
                () -> OneRunBound.epsilonLowerBound(10, -1, 0, 0, 0.95)),
            Map.entry(
                "v (right guesses) must be in [0, r = 5]; provided value: 6",
                () -> OneRunBound.pValue(10, 5, 6, 1, 0)),
            Map.entry(
                "v (right guesses) must be in [0, r = 5]; provided value: -2",
                () -> OneRunBound.epsilonLowerBound(10, 5, -2, 0, 0.95)),
            Map.entry(
                "epsilon must be >= 0 and finite; provided value: -0.5",
                () -> OneRunBound.pValue(10, 5, 3, -0.5, 0)),
            Map.entry(
                "epsilon must be >= 0 and finite; provided value: NaN",
                () -> OneRunBound.pValue(10, 5, 3, Double.NaN, 0)),
            Map.entry(
                "epsilon must be >= 0 and finite; provided value: Infinity",
                () -> OneRunBound.pValue(10, 5, 3, Double.POSITIVE_INFINITY, 0)),
            Map.entry(
                "delta must be in [0, 1); provided value: 1.0",
                () -> OneRunBound.pValue(10, 5, 3, 1, 1)),
            Map.entry(
                "delta must be in [0, 1); provided value: -1.0E-9",
                () -> OneRunBound.epsilonLowerBound(10, 5, 3, -1e-9, 0.95)),
            Map.entry(
                "delta must be in [0, 1); provided value: NaN",
                () -> OneRunBound.epsilonLowerBound(10, 5, 3, Double.NaN, 0.95)),
            Map.entry(
                "confidence must be in (0, 1); provided value: 1.0",
                () -> OneRunBound.epsilonLowerBound(10, 5, 3, 0, 1)),
            Map.entry(
                "confidence must be in (0, 1); provided value: 0.0",
                () -> OneRunBound.epsilonLowerBound(10, 5, 3, 0, 0)));
    for (var c : cases.entrySet()) {
      InvalidInputException e = assertThrows(InvalidInputException.class, c.getValue(), c.getKey());
      assertEquals(c.getKey(), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
    // Valid edges pass: r = 0, v = r = m, δ = 0.
    assertDoesNotThrow(() -> OneRunBound.pValue(1, 0, 0, 0, 0));
    assertDoesNotThrow(() -> OneRunBound.pValue(1, 1, 1, 0, 0));
    assertDoesNotThrow(() -> OneRunBound.epsilonLowerBound(1, 1, 1, 0.999, 0.5));
  }

  /*
   * The reference numbers: Python 3.11, scipy 1.17.1, mpmath 1.4.1
   *   python3 -m venv /tmp/venv-scipy && /tmp/venv-scipy/bin/pip install scipy mpmath
   *   /tmp/venv-scipy/bin/python onerun_reference.py
   * prints each case with its scipy value and its 50-digit value.
   *
   * import numpy as np, mpmath as mp
   * from scipy.stats import binom
   * from scipy.optimize import brentq
   *
   * def p_value(m, r, v, eps, delta):  # the formula of OneRunBound's javadoc, every term summed
   *     p = 1 / (1 + np.exp(-eps))
   *     tail = binom.sf(v - 1, r, p)  # P[Binomial(r, p) >= v]
   *     if v == 0 or delta == 0:
   *         return min(1.0, tail)
   *     pmf = binom.pmf(np.arange(v - 1, -1, -1), r, p)  # P[B = v-1], P[B = v-2], ..., P[B = 0]
   *     band = np.max(np.cumsum(pmf) / np.arange(1, v + 1))  # max over i of P[v-i <= B < v] / i
   *     return min(1.0, tail + 2 * m * delta * band)
   *
   * def exact_p_value(m, r, v, eps, delta):  # the same sums at 50 digits (for the tiny tails)
   *     mp.mp.dps = 50
   *     p, q = 1 / (1 + mp.exp(-mp.mpf(eps))), 1 / (1 + mp.exp(mp.mpf(eps)))
   *     pmf = lambda k: mp.binomial(r, k) * p**k * q ** (r - k)
   *     band, s = 0, 0
   *     for i in range(1, v + 1 if delta > 0 else 1):
   *         s += pmf(v - i)
   *         band = max(band, s / i)
   *     return min(1, mp.fsum(pmf(k) for k in range(v, r + 1)) + 2 * m * mp.mpf(delta) * band)
   *
   * def bound(m, r, v, delta, confidence):  # the largest eps whose p-value is <= 1 - confidence
   *     g = lambda eps: p_value(m, r, v, eps, delta) - (1 - confidence)
   *     return 0.0 if g(0) > 0 else brentq(g, 0, 50, xtol=1e-13, rtol=1e-15)
   *
   * for c in [(1000, 600, 550, 2.0, 0), (1000, 600, 550, 2.0, 1e-5), (1000, 600, 399, 0.5, 1e-5),
   *           (1000, 600, 600, 5.0, 1e-5), (1000, 600, 600, 6.0, 1e-5),
   *           (1000, 600, 580, 1.5, 1e-3), (1000, 1000, 1000, 3.0, 1e-9),
   *           (2**31 - 1, 100, 90, 1.0, 1e-12), (1000, 1000, 500, 0.0, 0),
   *           (1000, 600, 300, 2.0, 1e-5), (1000, 1000, 1000, 3.0, 0),
   *           (10000, 10000, 10000, 5.0, 0), (100000, 100000, 99990, 7.0, 0)]:
   *     print("p_value", c, repr(float(p_value(*c))), mp.nstr(exact_p_value(*c), 17))
   * for c in [(1000, 600, 550, 0, 0.95), (1000, 600, 550, 1e-5, 0.95),
   *           (1000, 600, 600, 1e-5, 0.95), (1000, 600, 399, 1e-5, 0.95),
   *           (1000, 600, 320, 1e-5, 0.95), (100, 100, 100, 0, 0.95),
   *           (1000, 600, 552, 1e-6, 0.999), (1000, 600, 553, 1e-6, 0.999),
   *           (2000, 400, 400, 1e-5, 0.999)]:
   *     print("bound", c, repr(bound(*c)))
   */
}
