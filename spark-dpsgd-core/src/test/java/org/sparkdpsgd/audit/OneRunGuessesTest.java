package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The auditor's rule: "in" for the kIn highest scores, "out" for the kOut lowest, no guess for the
 * rest; ties by index; the counts the bound is computed from.
 */
class OneRunGuessesTest {
  private static final double[] SCORES = {0.1, 5, -2, 3, 0.7, -1, 4, 2};
  private static final boolean[] INCLUDED = {true, true, false, false, true, true, true, false};

  /**
   * kIn = 3 guesses "in" for scores 5, 4 and 3 (canaries 1, 6, 3: two in, one out), kOut = 2 "out"
   * for -2 and -1 (canaries 2 and 5: one out, one in).
   */
  @Test
  void guessesInForTheHighestScoresAndOutForTheLowest() {
    OneRunGuesses g = OneRunGuesses.guess(SCORES, INCLUDED, 3, 2);
    assertEquals(8, g.canaries());
    assertEquals(3, g.kIn());
    assertEquals(2, g.kOut());
    assertEquals(5, g.guesses());
    assertEquals(2, g.correctIn());
    assertEquals(1, g.correctOut());
    assertEquals(3, g.correct());
    assertEquals(3.0, g.lowestInScore());
    assertEquals(-1.0, g.highestOutScore());
    assertEquals("OneRunGuesses[m=8, in 2/3 right, out 1/2 right]", g.toString());
  }

  /** Canaries 0, 4 and 7 (scores 0.1, 0.7, 2) get no guess: their membership changes nothing. */
  @Test
  void abstainedCanariesDoNotCount() {
    boolean[] flipped = INCLUDED.clone();
    for (int k : new int[] {0, 4, 7}) {
      flipped[k] = !flipped[k];
    }
    OneRunGuesses g = OneRunGuesses.guess(SCORES, flipped, 3, 2);
    assertEquals(2, g.correctIn());
    assertEquals(1, g.correctOut());
    // Flipping a guessed canary does change the count.
    flipped[1] = false;
    assertEquals(1, OneRunGuesses.guess(SCORES, flipped, 3, 2).correctIn());
  }

  @Test
  void guessingEveryCanaryOrOneSideOnly() {
    OneRunGuesses all = OneRunGuesses.guess(SCORES, INCLUDED, 4, 4);
    // In: 5, 4, 3, 2 (canaries 1, 6, 3, 7: two in); out: -2, -1, 0.1, 0.7 (2, 5, 0, 4: one out).
    assertEquals(2, all.correctIn());
    assertEquals(1, all.correctOut());
    assertEquals(8, all.guesses());

    OneRunGuesses inOnly = OneRunGuesses.guess(SCORES, INCLUDED, 2, 0);
    assertEquals(2, inOnly.correctIn());
    assertEquals(0, inOnly.correctOut());
    assertEquals(4.0, inOnly.lowestInScore());
    assertEquals(Double.NEGATIVE_INFINITY, inOnly.highestOutScore());

    OneRunGuesses outOnly = OneRunGuesses.guess(SCORES, INCLUDED, 0, 1);
    assertEquals(0, outOnly.correctIn());
    assertEquals(1, outOnly.correctOut());
    assertEquals(Double.POSITIVE_INFINITY, outOnly.lowestInScore());
    assertEquals(-2.0, outOnly.highestOutScore());

    OneRunGuesses none = OneRunGuesses.guess(SCORES, INCLUDED, 0, 0);
    assertEquals(0, none.guesses());
    assertEquals(0, none.correct());
  }

  /**
   * Equal scores are ordered by index, the lower index counting as the lower score: with every
   * score equal, "out" goes to canaries 0 and 1 and "in" to 4 and 5. Broken the other way, all four
   * guesses here would be wrong.
   */
  @Test
  void tiesAreBrokenByIndex() {
    double[] equal = {1, 1, 1, 1, 1, 1};
    boolean[] included = {false, false, true, true, true, true};
    OneRunGuesses g = OneRunGuesses.guess(equal, included, 2, 2);
    assertEquals(2, g.correctIn());
    assertEquals(2, g.correctOut());

    // Ties across a threshold: of the three 1s, "in" takes the highest index, "out" the lowest.
    double[] scores = {0, 1, 1, 1, 2};
    boolean[] in = {false, false, true, true, true};
    OneRunGuesses across = OneRunGuesses.guess(scores, in, 2, 2);
    assertEquals(2, across.correctIn(), "in: canaries 4 and 3");
    assertEquals(2, across.correctOut(), "out: canaries 0 and 1");
    assertEquals(1.0, across.lowestInScore());
    assertEquals(1.0, across.highestOutScore());
    boolean[] opposite = {true, true, true, false, false};
    OneRunGuesses other = OneRunGuesses.guess(scores, opposite, 2, 2);
    assertEquals(0, other.correctIn());
    assertEquals(0, other.correctOut());
  }

  @Test
  void leavesItsInputsAlone() {
    double[] scores = SCORES.clone();
    boolean[] included = INCLUDED.clone();
    OneRunGuesses.guess(scores, included, 3, 2);
    assertArrayEquals(SCORES, scores);
    assertArrayEquals(INCLUDED, included);
  }

  @Test
  void badInputsFailWithMessagesNamingTheValue() {
    assertMessage(
        "number of canaries must be > 0; provided value: 0",
        () -> OneRunGuesses.guess(new double[0], new boolean[0], 0, 0));
    assertMessage(
        "included.length must be the number of scores, 8; provided value: 7",
        () -> OneRunGuesses.guess(SCORES, new boolean[7], 1, 1));
    double[] nan = SCORES.clone();
    nan[2] = Double.NaN;
    assertMessage(
        "score of canary 2 must be finite; provided value: NaN",
        () -> OneRunGuesses.guess(nan, INCLUDED, 1, 1));
    double[] infinite = SCORES.clone();
    infinite[7] = Double.NEGATIVE_INFINITY;
    assertMessage(
        "score of canary 7 must be finite; provided value: -Infinity",
        () -> OneRunGuesses.guess(infinite, INCLUDED, 1, 1));
    assertMessage(
        "kIn must be >= 0; provided value: -1", () -> OneRunGuesses.guess(SCORES, INCLUDED, -1, 1));
    assertMessage(
        "kOut must be >= 0; provided value: -3",
        () -> OneRunGuesses.guess(SCORES, INCLUDED, 1, -3));
    assertMessage(
        "kIn + kOut must be <= the number of canaries, 8; provided value: 9",
        () -> OneRunGuesses.guess(SCORES, INCLUDED, 5, 4));
  }

  private static void assertMessage(String expected, Runnable call) {
    InvalidInputException e = assertThrows(InvalidInputException.class, call::run);
    assertEquals(expected, e.getMessage());
  }

  /**
   * m = 1,000 canaries scored by index: "out" for 0..299 of which 280 were left out, "in" for
   * 700..999 of which 270 were in, so v = 550 of r = 600; of the middle 400, which get no guess,
   * every third is in. The bound is OneRunBound's for m and those counts: 2.14928 at δ = 1e-5 and
   * 95% (scipy, OneRunBoundTest).
   */
  @Test
  void epsilonLowerBoundIsOneRunBoundsForTheCounts() {
    int m = 1000;
    double[] scores = new double[m];
    boolean[] included = new boolean[m];
    for (int k = 0; k < m; k++) {
      scores[k] = k;
      included[k] = k < 300 ? k < 20 : k >= 700 ? k >= 730 : k % 3 == 0;
    }
    OneRunGuesses g = OneRunGuesses.guess(scores, included, 300, 300);
    assertEquals(280, g.correctOut());
    assertEquals(270, g.correctIn());
    assertEquals(600, g.guesses());
    assertEquals(550, g.correct());
    double bound = g.epsilonLowerBound(1e-5, 0.95);
    assertEquals(OneRunBound.epsilonLowerBound(m, 600, 550, 1e-5, 0.95), bound);
    assertEquals(2.1492849921512405, bound, OneRunBound.EPSILON_TOLERANCE);
    // Abstentions count in m, and so in the δ term, 2mδ: a thousand more canaries scored in the
    // middle leave the guesses as they were and lower the bound.
    double[] more = Arrays.copyOf(scores, 2 * m);
    boolean[] moreIncluded = Arrays.copyOf(included, 2 * m);
    Arrays.fill(more, m, 2 * m, 500.5);
    OneRunGuesses diluted = OneRunGuesses.guess(more, moreIncluded, 300, 300);
    assertEquals(2 * m, diluted.canaries());
    assertEquals(550, diluted.correct());
    double lower = diluted.epsilonLowerBound(1e-5, 0.95);
    assertEquals(OneRunBound.epsilonLowerBound(2 * m, 600, 550, 1e-5, 0.95), lower);
    assertTrue(lower < bound, lower + " vs " + bound);
  }
}
