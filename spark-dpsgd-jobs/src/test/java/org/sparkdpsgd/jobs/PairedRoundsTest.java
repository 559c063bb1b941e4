package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PairedRoundsTest {
  @Test
  void oneDisturbedRoundMovesTheMinimumButNotTheMedian() {
    // Round 3's DP run was hit by another job: a third of its usual speed.
    PairedRounds r =
        new PairedRounds(
            new double[] {800, 820, 270, 790, 810}, new double[] {1000, 1000, 1000, 1000, 1000});
    assertArrayEquals(new double[] {0.80, 0.82, 0.27, 0.79, 0.81}, r.ratios(), 1e-12);
    assertEquals(0.80, r.ratioMedian(), 1e-12);
    assertEquals(0.27, r.ratioMin(), 1e-12);
    assertEquals(0.82, r.ratioMax(), 1e-12);
    assertEquals(800, r.measuredMedian(), 1e-12);
    // The ratio of sums, what the bench printed before, is pulled down to 0.698.
    assertEquals(3490.0 / 5000, sum(r.measured()) / sum(r.baseline()), 1e-12);
  }

  @Test
  void ratiosPairEachDpRoundWithItsOwnNonPrivateRound() {
    // The machine slows down over time: each pair shares the slowdown, the ratio stays 0.5.
    PairedRounds r = new PairedRounds(new double[] {500, 400, 300}, new double[] {1000, 800, 600});
    assertArrayEquals(new double[] {0.5, 0.5, 0.5}, r.ratios(), 1e-12);
    assertEquals(0.5, r.ratioMedian(), 1e-12);
    assertEquals(800, r.baselineMedian(), 1e-12);
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, PairedRounds.median(new double[] {4, 1, 3, 2}), 0);
    assertEquals(7, PairedRounds.median(new double[] {7}), 0);
  }

  @Test
  void roundsMustPairUp() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new PairedRounds(new double[] {1, 2}, new double[] {1}));
    assertTrue(e.getMessage().contains("2 measured, 1 baseline"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new PairedRounds(new double[0], new double[0]));
  }

  private static double sum(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s;
  }
}
