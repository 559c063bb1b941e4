package org.sparkdpsgd.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CharVocabularyTest {
  @Test
  void printableAsciiAndNewlineRoundTripToDistinctIds() {
    Set<Integer> ids = new HashSet<>();
    for (char c = 32; c <= 126; c++) {
      int id = CharVocabulary.id(c);
      assertEquals(c, CharVocabulary.symbol(id));
      ids.add(id);
    }
    ids.add(CharVocabulary.id('\n'));
    assertEquals(96, ids.size());
    assertEquals(98, CharVocabulary.SIZE);
    assertEquals(3, CharVocabulary.id(' '));
    assertEquals(97, CharVocabulary.id('~'));
    assertEquals(CharVocabulary.NEWLINE, CharVocabulary.id('\n'));
  }

  @Test
  void otherCharactersAreUnknownAndPaddingIsDroppedFromText() {
    assertEquals(CharVocabulary.UNKNOWN, CharVocabulary.id('é'));
    assertEquals(CharVocabulary.UNKNOWN, CharVocabulary.id('\t'));
    assertEquals(CharVocabulary.UNKNOWN, CharVocabulary.id('\u007f'));
    int[] ids = {
      CharVocabulary.id('h'), CharVocabulary.id('é'), CharVocabulary.id('\n'), CharVocabulary.PAD
    };
    assertEquals("h\uFFFD\n", CharVocabulary.decode(ids, 0, ids.length));
    assertThrows(IllegalArgumentException.class, () -> CharVocabulary.symbol(98));
  }
}
