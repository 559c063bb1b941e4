package org.sparkdpsgd.canaries;

import java.util.Locale;
import org.sparkdpsgd.text.CharVocabulary;

/**
 * One training window scored under both models: the natural-log likelihoods of its {@code targets}
 * characters that are not padding, under the DP model and under the same recipe without privacy.
 * Its text is TRAINING TEXT.
 */
public record ScoredWindow(int[] ids, double dpLogLik, double npLogLik, int targets) {
  public double dpMean() {
    return dpLogLik / targets;
  }

  public double npMean() {
    return npLogLik / targets;
  }

  /** How much more likely the non-private model finds the window (npLL - dpLL, in nats). */
  public double gap() {
    return npLogLik - dpLogLik;
  }

  /** The window's characters (its first and its targets), padding left out. */
  public String text() {
    return CharVocabulary.decode(ids, 0, targets + 1);
  }

  /**
   * One line of a disagreement list: both scores, total and per character, the gap, and the text
   * with backslashes and newlines escaped.
   */
  public String line() {
    return String.format(
        Locale.ROOT,
        "npLL %9.3f (%7.4f/char)  dpLL %9.3f (%7.4f/char)  gap %8.3f  %s",
        npLogLik,
        npMean(),
        dpLogLik,
        dpMean(),
        gap(),
        text().replace("\\", "\\\\").replace("\n", "\\n"));
  }
}
