package org.sparkdpsgd.text;

/**
 * The character language model's symbols, fixed in advance from a public alphabet and never fitted
 * on the private text (a vocabulary read off the data would publish which characters occur in it).
 * Id 0 pads a record's last window and is never a prediction target; id 1 stands for any character
 * outside the set; id 2 is the newline; ids 3 to 97 are printable ASCII 32 to 126.
 */
public final class CharVocabulary {
  public static final int PAD = 0;
  public static final int UNKNOWN = 1;
  public static final int NEWLINE = 2;

  /** Printable ASCII runs from the space (32) to the tilde (126). */
  private static final int FIRST_PRINTABLE = 32;

  private static final int LAST_PRINTABLE = 126;
  private static final int PRINTABLE_OFFSET = 3 - FIRST_PRINTABLE;

  public static final int SIZE = LAST_PRINTABLE + PRINTABLE_OFFSET + 1;

  /** What {@link #symbol} gives for the padding and the unknown symbol. */
  public static final char REPLACEMENT = '\uFFFD';

  private CharVocabulary() {}

  public static int id(char c) {
    if (c == '\n') {
      return NEWLINE;
    }
    if (c >= FIRST_PRINTABLE && c <= LAST_PRINTABLE) {
      return c + PRINTABLE_OFFSET;
    }
    return UNKNOWN;
  }

  public static char symbol(int id) {
    if (id < 0 || id >= SIZE) {
      throw new IllegalArgumentException("character id " + id + " is outside 0.." + (SIZE - 1));
    }
    if (id == NEWLINE) {
      return '\n';
    }
    return id < NEWLINE ? REPLACEMENT : (char) (id - PRINTABLE_OFFSET);
  }

  /** The text of ids[from, to), padding left out. */
  public static String decode(int[] ids, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    for (int k = from; k < to; k++) {
      if (ids[k] != PAD) {
        sb.append(symbol(ids[k]));
      }
    }
    return sb.toString();
  }
}
