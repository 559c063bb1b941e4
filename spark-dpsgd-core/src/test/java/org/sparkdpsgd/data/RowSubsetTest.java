package org.sparkdpsgd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Row subsets as the executors evaluate them: block by block, from (seed, block id, row). */
class RowSubsetTest {
  private static final int BLOCKS = 100;
  private static final int ROWS = 1000;

  private static long count(RowSubset s) {
    long n = 0;
    for (long b = 0; b < BLOCKS; b++) {
      for (boolean in : s.rowsOf(b, ROWS)) {
        n += in ? 1 : 0;
      }
    }
    return n;
  }

  @Test
  void aHalfHoldsAboutHalfTheRows() {
    // 100,000 rows, each in with probability 1/2: the count is Binomial(1e5, 1/2), sd 158.1. A
    // tolerance of 5 sd fails falsely with probability 6e-7 (per seed: three seeds, 2e-6).
    double n = (double) BLOCKS * ROWS;
    double tolerance = 5 * Math.sqrt(n / 4);
    for (long seed : new long[] {0, 1, -7}) {
      assertEquals(n / 2, count(RowSubset.half(seed)), tolerance, "seed " + seed);
    }
  }

  @Test
  void aFractionHoldsThatShareOfTheRowsTheSameWayEveryTime() {
    // Binomial(1e5, 0.1): sd 94.9; 5 sd fails falsely with probability 6e-7 per fraction.
    double n = (double) BLOCKS * ROWS;
    for (double f : new double[] {0.1, 0.75}) {
      assertEquals(n * f, count(RowSubset.fraction(5, f)), 5 * Math.sqrt(n * f * (1 - f)), "" + f);
    }
    assertTrue(
        java.util.Arrays.equals(
            RowSubset.fraction(5, 0.1).rowsOf(3, 500), RowSubset.fraction(5, 0.1).rowsOf(3, 500)));
    assertFalse(
        java.util.Arrays.equals(
            RowSubset.fraction(5, 0.1).rowsOf(3, 500), RowSubset.fraction(6, 0.1).rowsOf(3, 500)));
    assertThrows(IllegalArgumentException.class, () -> RowSubset.fraction(5, 1.0));
  }

  @Test
  void twoHalvesAreIndependent() {
    // Two independent halves share a quarter of the rows: Binomial(1e5, 1/4), sd 136.9; 5 sd.
    double n = (double) BLOCKS * ROWS;
    long both = count(RowSubset.half(1).and(RowSubset.half(2)));
    assertEquals(n / 4, both, 5 * Math.sqrt(n * 0.25 * 0.75));
  }

  @Test
  void theSameSeedAndBlockGiveTheSameRowsAnywhere() {
    RowSubset a = RowSubset.half(42);
    RowSubset b = RowSubset.half(42); // as an executor would rebuild it after deserialising
    assertArrayEquals(a.rowsOf(17, 300), b.rowsOf(17, 300));
    // A row's bit does not depend on how many rows are asked for (a block's first 100 rows).
    boolean[] first100 = a.rowsOf(17, 100);
    boolean[] all = a.rowsOf(17, 300);
    for (int r = 0; r < 100; r++) {
      assertEquals(all[r], first100[r]);
    }
    assertFalse(
        java.util.Arrays.equals(a.rowsOf(17, 300), a.rowsOf(18, 300)),
        "another block draws other bits (equal with probability 2^-300)");
    assertFalse(
        java.util.Arrays.equals(a.rowsOf(17, 300), RowSubset.half(43).rowsOf(17, 300)),
        "another seed draws other bits");
  }

  @Test
  void complementAndIntersectionAreExact() {
    RowSubset h = RowSubset.half(5);
    boolean[] in = h.rowsOf(3, 500);
    boolean[] out = h.complement().rowsOf(3, 500);
    boolean[] none = h.and(h.complement()).rowsOf(3, 500);
    for (int r = 0; r < 500; r++) {
      assertEquals(!in[r], out[r]);
      assertFalse(none[r]);
    }
  }

  @Test
  void listedRowsAreExactlyThose() {
    RowSubset s = RowSubset.listed(Map.of(2L, new int[] {0, 3}, 5L, new int[] {1}));
    assertArrayEquals(new boolean[] {true, false, false, true}, s.rowsOf(2, 4));
    assertArrayEquals(new boolean[] {false, true}, s.rowsOf(5, 2));
    assertArrayEquals(new boolean[] {false, false}, s.rowsOf(9, 2));
    assertThrows(IllegalArgumentException.class, () -> s.rowsOf(2, 3), "row 3 of 3 rows");
    assertTrue(s.toString().startsWith("3 listed rows"));
  }

  @Test
  void keepingCopiesTheChosenRowsInOrder() {
    ExampleBlock b =
        new ExampleBlock(7, 3, 2, new float[] {0, 1, 10, 11, 20, 21}, new int[] {4, 5, 6});
    ExampleBlock k = b.keeping(new boolean[] {true, false, true});
    assertEquals(7, k.blockId());
    assertEquals(2, k.rows());
    assertArrayEquals(new float[] {0, 1, 20, 21}, k.features());
    assertArrayEquals(new int[] {4, 6}, k.labels());
    assertEquals(0, b.keeping(new boolean[3]).rows());
    assertThrows(IllegalArgumentException.class, () -> b.keeping(new boolean[2]));
  }
}
