package org.sparkdpsgd.audit;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.sparkdpsgd.util.Checks;

/**
 * The auditor's guesses in a one-run audit, and how many were right: "in" for the kIn canaries with
 * the highest scores (a score says how strongly the model remembers a canary), "out" for the kOut
 * with the lowest, no guess for the rest. Abstaining on the ambiguous middle is what makes the
 * bound tight: a few confident guesses reject a larger ε than many uncertain ones. Ties between
 * equal scores are broken by index (the lower index counts as the lower score), so the same scores
 * always give the same guesses. kIn and kOut must be fixed before the scores are seen, or the bound
 * is not valid.
 */
public final class OneRunGuesses {
  private final int canaries;
  private final int kIn;
  private final int kOut;
  private final int correctIn;
  private final int correctOut;
  private final double lowestIn;
  private final double highestOut;

  private OneRunGuesses(
      int canaries,
      int kIn,
      int kOut,
      int correctIn,
      int correctOut,
      double lowestIn,
      double highestOut) {
    this.canaries = canaries;
    this.kIn = kIn;
    this.kOut = kOut;
    this.correctIn = correctIn;
    this.correctOut = correctOut;
    this.lowestIn = lowestIn;
    this.highestOut = highestOut;
  }

  /**
   * Guesses for canaries whose scores and true membership are given index by index: scores[k] is
   * canary k's score, included[k] whether it was in the training set.
   */
  public static OneRunGuesses guess(double[] scores, boolean[] included, int kIn, int kOut) {
    int m = scores.length;
    Checks.positive("number of canaries", m);
    if (included.length != m) {
      throw Checks.fail("included.length", "the number of scores, " + m, included.length);
    }
    for (int k = 0; k < m; k++) {
      if (!Double.isFinite(scores[k])) {
        throw Checks.fail("score of canary " + k, "finite", scores[k]);
      }
    }
    Checks.nonNegative("kIn", kIn);
    Checks.nonNegative("kOut", kOut);
    if (kIn + kOut > m) {
      throw Checks.fail("kIn + kOut", "<= the number of canaries, " + m, kIn + kOut);
    }
    Integer[] ascending = IntStream.range(0, m).boxed().toArray(Integer[]::new);
    Arrays.sort(
        ascending,
        Comparator.<Integer>comparingDouble(k -> scores[k]).thenComparingInt(Integer::intValue));
    int correctOut = 0;
    for (int j = 0; j < kOut; j++) {
      correctOut += included[ascending[j]] ? 0 : 1;
    }
    int correctIn = 0;
    for (int j = m - kIn; j < m; j++) {
      correctIn += included[ascending[j]] ? 1 : 0;
    }
    double lowestIn = kIn > 0 ? scores[ascending[m - kIn]] : Double.POSITIVE_INFINITY;
    double highestOut = kOut > 0 ? scores[ascending[kOut - 1]] : Double.NEGATIVE_INFINITY;
    return new OneRunGuesses(m, kIn, kOut, correctIn, correctOut, lowestIn, highestOut);
  }

  /** m, the number of canaries audited, guessed on or not. */
  public int canaries() {
    return canaries;
  }

  public int kIn() {
    return kIn;
  }

  public int kOut() {
    return kOut;
  }

  /** r = kIn + kOut. */
  public int guesses() {
    return kIn + kOut;
  }

  /** v = correctIn + correctOut. */
  public int correct() {
    return correctIn + correctOut;
  }

  /** "In" guesses on canaries that were in the training set. */
  public int correctIn() {
    return correctIn;
  }

  /** "Out" guesses on canaries that were left out. */
  public int correctOut() {
    return correctOut;
  }

  /** The smallest score guessed "in"; +∞ when kIn = 0. */
  public double lowestInScore() {
    return lowestIn;
  }

  /** The largest score guessed "out"; -∞ when kOut = 0. */
  public double highestOutScore() {
    return highestOut;
  }

  /** See {@link OneRunBound#epsilonLowerBound}. */
  public double epsilonLowerBound(double delta, double confidence) {
    return OneRunBound.epsilonLowerBound(canaries, guesses(), correct(), delta, confidence);
  }

  @Override
  public String toString() {
    return "OneRunGuesses[m="
        + canaries
        + ", in "
        + correctIn
        + "/"
        + kIn
        + " right, out "
        + correctOut
        + "/"
        + kOut
        + " right]";
  }
}
