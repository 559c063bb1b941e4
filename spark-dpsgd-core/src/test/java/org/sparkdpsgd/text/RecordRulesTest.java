package org.sparkdpsgd.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/** How records are cut from the files ({@link RecordSeparator}) and split ({@link CorpusSplit}). */
class RecordRulesTest {
  @Test
  void separatorLinesLeftByTheReaderAreRemoved() {
    RecordSeparator fortunes = RecordSeparator.FORTUNES;
    assertEquals("\n%\n", fortunes.hadoopDelimiter());
    assertEquals("two\nlines", fortunes.clean("two\nlines"));
    assertEquals("first", fortunes.clean("%\nfirst")); // the file starts with a separator line
    assertEquals("last", fortunes.clean("last\n%")); // it ends with one and no newline
    assertEquals("last", fortunes.clean("last\n")); // its last record has no separator after it
    assertEquals("next", fortunes.clean("%\n%\nnext")); // separator lines in a row
    assertEquals("", fortunes.clean("%"));
    assertEquals("50%", fortunes.clean("50%"));
    assertEquals("  indented\n%done", fortunes.clean("  indented\n%done\n\n"));
  }

  @Test
  void linesAreRecordsAsTheyAre() {
    assertTrue(RecordSeparator.LINES.lines());
    assertNull(RecordSeparator.LINES.hadoopDelimiter());
    assertEquals("%", RecordSeparator.LINES.clean("%"));
    assertEquals(RecordSeparator.LINES, RecordSeparator.parse("\\n"));
    assertEquals(RecordSeparator.LINES, RecordSeparator.parse("\n"));
    assertEquals(RecordSeparator.FORTUNES, RecordSeparator.parse("%"));
    assertFalse(RecordSeparator.parse("%%").lines());
  }

  @Test
  void aSeparatorMustBeOneLine() {
    for (String bad : new String[] {"", "a\nb", "%\r"}) {
      String m =
          assertThrows(InvalidInputException.class, () -> RecordSeparator.parse(bad)).getMessage();
      assertTrue(m.startsWith("recordSeparator must be") && m.contains("provided value: "), m);
      assertFalse(m.contains("\n"), m);
    }
  }

  /**
   * Sides pinned with Python: {@code int.from_bytes(hashlib.sha256(s.encode()).digest()[:8], 'big')
   * % 100}. "hello world" has a first byte above 0x7f, so a signed remainder would differ.
   */
  @Test
  void theSideIsTheSha256OfTheText() {
    assertEquals(CorpusSplit.TEST, CorpusSplit.of("hello world")); // 0
    assertEquals(CorpusSplit.TEST, CorpusSplit.of("record 7")); // 7
    assertEquals(CorpusSplit.TEST, CorpusSplit.of("record 26")); // 9
    assertEquals(CorpusSplit.TRAIN, CorpusSplit.of("record 53")); // 10
    assertEquals(CorpusSplit.TRAIN, CorpusSplit.of("record 5")); // 11
    assertEquals(CorpusSplit.TRAIN, CorpusSplit.of("caf\u00e9")); // 49 (UTF-8 bytes)
    assertEquals(CorpusSplit.TRAIN, CorpusSplit.of("a")); // 50
  }

  /**
   * Python counts 1,008 of "record 0" .. "record 9999" on the test side. Were the hash uniform and
   * independent, a count outside 1000 ± 150 (5 standard deviations) would have probability < 1e-6.
   */
  @Test
  void aTenthOfTheRecordsAreTest() {
    int test = 0;
    for (int i = 0; i < 10_000; i++) {
      if (CorpusSplit.of("record " + i) == CorpusSplit.TEST) {
        test++;
      }
    }
    assertEquals(1008, test);
    assertTrue(Math.abs(test - 1000) < 150, "test records: " + test);
  }
}
