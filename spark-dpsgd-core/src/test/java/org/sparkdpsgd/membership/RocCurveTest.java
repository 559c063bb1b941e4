package org.sparkdpsgd.membership;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/** The curve and its summaries against cases worked out by hand, and U against commons-math. */
class RocCurveTest {
  private static final double EXACT = 1e-12;

  @Test
  void perfectSeparationHasAreaOneAndFindsEveryMemberAtFprZero() {
    RocCurve roc = new RocCurve(new double[] {5, 3, 4}, new double[] {0, 2, 1});
    assertEquals(1.0, roc.auc(), EXACT);
    assertEquals(1.0, roc.tprAtFpr(0.0), EXACT);
    assertEquals(1.0, roc.advantage(), EXACT);
    // One point per distinct score: the members pass first, one at a time.
    assertArrayEquals(new double[] {0, 0, 0, 0, 1 / 3.0, 2 / 3.0, 1}, roc.fpr(), EXACT);
    assertArrayEquals(new double[] {0, 1 / 3.0, 2 / 3.0, 1, 1, 1, 1}, roc.tpr(), EXACT);
  }

  @Test
  void reversedScoresHaveAreaZeroAndNoAdvantage() {
    RocCurve roc = new RocCurve(new double[] {0, 1}, new double[] {2, 3});
    assertEquals(0.0, roc.auc(), EXACT);
    assertEquals(0.0, roc.advantage(), EXACT, "TPR - FPR is never positive; (0,0) gives 0");
    assertEquals(0.0, roc.tprAtFpr(0.49), EXACT);
  }

  @Test
  void handWorkedCase() {
    // Members 0.9, 0.8, 0.4; non-members 0.7, 0.3. Member-above-non-member pairs: 0.9 and 0.8
    // beat both, 0.4 beats 0.3: 5 of 6. Thresholds 0.9, 0.8, 0.7, 0.4, 0.3 give the points below.
    RocCurve roc = new RocCurve(new double[] {0.4, 0.9, 0.8}, new double[] {0.3, 0.7});
    assertEquals(5 / 6.0, roc.auc(), EXACT);
    assertArrayEquals(new double[] {0, 0, 0, 0.5, 0.5, 1}, roc.fpr(), EXACT);
    assertArrayEquals(new double[] {0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1, 1}, roc.tpr(), EXACT);
    assertEquals(2 / 3.0, roc.tprAtFpr(0.0), EXACT, "two members score above every non-member");
    assertEquals(2 / 3.0, roc.tprAtFpr(0.49), EXACT, "no threshold has FPR in (0, 0.5)");
    assertEquals(1.0, roc.tprAtFpr(0.5), EXACT);
    assertEquals(2 / 3.0, roc.advantage(), EXACT, "max(2/3 - 0, 1 - 1/2)");
  }

  @Test
  void tiesMoveBothRatesAtOnceAndCountOneHalf() {
    // Members 1, 1, 2; non-members 1, 0. Pairs: 2 beats both (2), each 1 beats 0 (2), each 1 ties
    // the other 1 (2 x 1/2): 5 of 6.
    RocCurve roc = new RocCurve(new double[] {1, 2, 1}, new double[] {1, 0});
    assertEquals(5 / 6.0, roc.auc(), EXACT);
    assertArrayEquals(new double[] {0, 0, 0.5, 1}, roc.fpr(), EXACT);
    assertArrayEquals(new double[] {0, 1 / 3.0, 1, 1}, roc.tpr(), EXACT);
    assertEquals(1 / 3.0, roc.tprAtFpr(0.25), EXACT, "the tied threshold is at FPR 1/2");

    RocCurve allTied = new RocCurve(new double[] {7, 7}, new double[] {7, 7, 7});
    assertEquals(0.5, allTied.auc(), EXACT);
    assertArrayEquals(new double[] {0, 1}, allTied.fpr(), EXACT);
    assertEquals(0.0, allTied.advantage(), EXACT);
    assertEquals(0.0, allTied.tprAtFpr(0.99), EXACT);
  }

  @Test
  void identicalDistributionsGiveAboutOneHalf() {
    // Under the null the AUC is U / mn with standard deviation sqrt((m + n + 1) / (12 m n)) =
    // 0.0091 for m = n = 2000; a tolerance of 4 of those fails falsely with probability 6e-5 (the
    // seed makes the draw fixed; the tolerance is what any seed would need).
    SplittableRandom rng = new SplittableRandom(20240611);
    int m = 2000;
    double[] in = new double[m];
    double[] out = new double[m];
    for (int k = 0; k < m; k++) {
      in[k] = rng.nextGaussian();
      out[k] = rng.nextGaussian();
    }
    RocCurve roc = new RocCurve(in, out);
    double sd = Math.sqrt((2.0 * m + 1) / (12.0 * m * m));
    assertEquals(0.5, roc.auc(), 4 * sd);
    // TPR at FPR f is about f under the null: at most f + 4 binomial sds of the m members.
    double f = 0.01;
    assertEquals(f, roc.tprAtFpr(f), 4 * Math.sqrt(f * (1 - f) / m) + 1.0 / m);
  }

  @Test
  void areaIsTheMannWhitneyStatisticOfCommonsMath() {
    // Rounded scores tie often; commons-math ranks ties by their average rank and returns
    // max(U1, U2), so the AUC or its complement times m n must be that U. (+ 0.0 turns rint's
    // -0.0 into 0.0: commons-math ranks -0.0 below 0.0, the curve counts them as a tie.)
    SplittableRandom rng = new SplittableRandom(7);
    double[] in = new double[300];
    double[] out = new double[200];
    for (int k = 0; k < in.length; k++) {
      in[k] = Math.rint(4 * rng.nextGaussian() + 1) + 0.0;
    }
    for (int k = 0; k < out.length; k++) {
      out[k] = Math.rint(4 * rng.nextGaussian()) + 0.0;
    }
    RocCurve roc = new RocCurve(in, out);
    double u = new MannWhitneyUTest().mannWhitneyU(in, out);
    double mn = (double) in.length * out.length;
    assertEquals(u, Math.max(roc.auc(), 1 - roc.auc()) * mn, 1e-6);
  }

  @Test
  void refusesMissingOrNanScores() {
    assertThrows(InvalidInputException.class, () -> new RocCurve(new double[0], new double[] {1}));
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> new RocCurve(new double[] {1, Double.NaN}, new double[] {0}));
    assertEquals("every member score must be a number; provided value: NaN", e.getMessage());
  }
}
