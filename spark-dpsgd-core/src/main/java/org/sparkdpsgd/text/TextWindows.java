package org.sparkdpsgd.text;

import java.util.Arrays;

/**
 * Cuts one record (document) into the character language model's training examples. The record gets
 * a trailing newline, so the model also learns where a record ends. An example is a window of
 * {@code window + 1} consecutive ids: the model reads positions 0 to window - 1 and predicts
 * positions 1 to window. Windows start at 0, window, 2 window, ..., so every character after the
 * record's first is a target exactly once (window k's last id is window k + 1's first, an input
 * only). The last window is right-padded with {@link CharVocabulary#PAD}, which is never a target.
 */
public final class TextWindows {
  private TextWindows() {}

  /** The examples of {@code record}; none for the empty record (its newline has no predecessor). */
  public static int[][] of(String record, int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1; provided value: " + window);
    }
    int[] ids = ids(record + "\n");
    int targets = ids.length - 1;
    int count = (targets + window - 1) / window;
    int[][] windows = new int[count][];
    for (int w = 0; w < count; w++) {
      int start = w * window;
      int[] example = Arrays.copyOfRange(ids, start, start + window + 1);
      int real = Math.min(example.length, ids.length - start);
      Arrays.fill(example, real, example.length, CharVocabulary.PAD);
      windows[w] = example;
    }
    return windows;
  }

  /**
   * The ids of {@code text}, one per Unicode character: a character outside the vocabulary (an
   * accented letter, a tab, an emoji written as two Java chars) is one {@link
   * CharVocabulary#UNKNOWN}.
   */
  public static int[] ids(String text) {
    return text.codePoints()
        .map(
            cp ->
                Character.isBmpCodePoint(cp)
                    ? CharVocabulary.id((char) cp)
                    : CharVocabulary.UNKNOWN)
        .toArray();
  }
}
