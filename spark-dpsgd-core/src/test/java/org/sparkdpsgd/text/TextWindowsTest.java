package org.sparkdpsgd.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TextWindowsTest {
  private static final int PAD = CharVocabulary.PAD;
  private static final int NL = CharVocabulary.NEWLINE;
  private static final int UNK = CharVocabulary.UNKNOWN;

  /** Ids worked out by hand from the vocabulary: printable ASCII c has id c - 29. */
  @Test
  void aKnownRecordGivesTheseWindows() {
    int h = 75, e = 72, l = 79, o = 82, space = 3, w = 90, r = 85, d = 71;
    int[][] windows = TextWindows.of("hello world", 4);
    assertEquals(3, windows.length); // 11 targets (10 letters after 'h', then the newline)
    assertArrayEquals(new int[] {h, e, l, l, o}, windows[0]);
    assertArrayEquals(new int[] {o, space, w, o, r}, windows[1]);
    assertArrayEquals(new int[] {r, l, d, NL, PAD}, windows[2]);
  }

  @Test
  void shortRecordsGiveOnePaddedWindowAndTheEmptyOneNone() {
    assertEquals(0, TextWindows.of("", 8).length);
    assertArrayEquals(new int[][] {{68, NL, PAD, PAD}}, TextWindows.of("a", 3));
    assertArrayEquals(new int[][] {{68, 69, NL}}, TextWindows.of("ab", 2));
  }

  @Test
  void charactersOutsideTheVocabularyAreOneUnknownEach() {
    // é and a tab are outside printable ASCII; the emoji is two Java chars but one character.
    assertArrayEquals(
        new int[] {UNK, UNK, UNK, 97, 3, NL}, TextWindows.ids("\u00e9\t\uD83D\uDE00~ \n"));
    assertArrayEquals(new int[] {UNK, NL, PAD}, TextWindows.of("\r", 2)[0]);
  }

  /**
   * Over records of random lengths and characters (printable, newlines, unknown) and several window
   * sizes: the windows' targets, read in order, are the record with its newline after the first
   * character, each exactly once; consecutive windows overlap in one id (the last target of one is
   * the first input of the next); padding is only at the end of the last window.
   */
  @Test
  void everyCharacterAfterTheFirstIsATargetExactlyOnce() {
    SplittableRandom random = new SplittableRandom(7);
    int[] alphabet = "abc XYZ.,!\n\u00e9\t\uD83D\uDE00".codePoints().toArray();
    for (int trial = 0; trial < 500; trial++) {
      int window = 2 + random.nextInt(9);
      StringBuilder record = new StringBuilder();
      int length = random.nextInt(40);
      for (int k = 0; k < length; k++) {
        record.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
      }
      int[] ids = TextWindows.ids(record + "\n");
      int[][] windows = TextWindows.of(record.toString(), window);
      String where = "record of " + ids.length + " ids, window " + window;
      assertEquals((ids.length - 1 + window - 1) / window, windows.length, where);

      List<Integer> targets = new ArrayList<>();
      for (int k = 0; k < windows.length; k++) {
        int[] x = windows[k];
        assertEquals(window + 1, x.length, where);
        assertEquals(ids[k * window], x[0], where + ": first input of window " + k);
        int real = Math.min(window + 1, ids.length - k * window);
        for (int p = 1; p <= window; p++) {
          if (p < real) {
            assertNotEquals(PAD, x[p], where);
            targets.add(x[p]);
          } else {
            assertEquals(PAD, x[p], where + ": padding at " + p + " of window " + k);
          }
        }
        if (k < windows.length - 1) {
          assertEquals(window + 1, real, where + ": only the last window is padded");
        }
      }
      List<Integer> expected = new ArrayList<>();
      for (int k = 1; k < ids.length; k++) {
        expected.add(ids[k]);
      }
      assertEquals(expected, targets, where);
    }
  }
}
