package org.sparkdpsgd.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.sparkdpsgd.util.CryptoRandom;

/**
 * A subset of a dataset's rows, named by (block id, row within the block), that an executor can
 * evaluate block by block from a small description: nothing as large as the dataset is shipped.
 * {@link TrainingBlocks#subset} keeps the rows it chooses.
 */
public sealed interface RowSubset extends Serializable {
  /** Whether each of block {@code blockId}'s {@code rows} rows is in the subset. */
  boolean[] rowsOf(long blockId, int rows);

  /**
   * A random half: each row is in it with probability 1/2, independently, by one bit of a stream
   * keyed by SHA-256 of (seed, block id) ({@link CryptoRandom#derived}). The same seed gives the
   * same half wherever and whenever it is computed; different seeds give independent halves.
   */
  static RowSubset half(long seed) {
    return new Half(seed);
  }

  /**
   * A random fraction: each row is in it with probability {@code fraction}, independently, by 53
   * bits of a stream keyed by SHA-256 of (seed, block id) per row, as in {@link #half}. A fixed,
   * public seed gives a split that does not depend on the rows' contents (a validation split).
   */
  static RowSubset fraction(long seed, double fraction) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1): " + fraction);
    }
    return new Fraction(seed, fraction);
  }

  /** Exactly the listed rows: block id to the rows' indices within that block. */
  static RowSubset listed(Map<Long, int[]> rowsByBlock) {
    Map<Long, int[]> copy = new HashMap<>();
    rowsByBlock.forEach((b, rows) -> copy.put(b, rows.clone()));
    return new Listed(copy);
  }

  /** The rows not in this subset. */
  default RowSubset complement() {
    return new Complement(this);
  }

  /** The rows in both this subset and {@code other}. */
  default RowSubset and(RowSubset other) {
    return new Both(this, other);
  }

  /** See {@link #half}. */
  record Half(long seed) implements RowSubset {
    private static final String DOMAIN = "spark-dpsgd random half of the rows";

    @Override
    public boolean[] rowsOf(long blockId, int rows) {
      CryptoRandom bits = CryptoRandom.derived(DOMAIN, new byte[0], seed, blockId);
      long[] words = new long[(rows + 63) / 64];
      bits.nextLongs(words);
      boolean[] in = new boolean[rows];
      for (int r = 0; r < rows; r++) {
        in[r] = ((words[r >>> 6] >>> (r & 63)) & 1L) == 1L;
      }
      return in;
    }

    @Override
    public String toString() {
      return "half(" + seed + ")";
    }
  }

  /** See {@link #fraction}. */
  record Fraction(long seed, double fraction) implements RowSubset {
    private static final String DOMAIN = "spark-dpsgd random fraction of the rows";

    @Override
    public boolean[] rowsOf(long blockId, int rows) {
      CryptoRandom bits = CryptoRandom.derived(DOMAIN, new byte[0], seed, blockId);
      long[] words = new long[rows];
      bits.nextLongs(words);
      boolean[] in = new boolean[rows];
      for (int r = 0; r < rows; r++) {
        in[r] = (words[r] >>> 11) * 0x1.0p-53 < fraction;
      }
      return in;
    }

    @Override
    public String toString() {
      return "fraction " + fraction + " (" + seed + ")";
    }
  }

  /** See {@link #listed}. */
  record Listed(Map<Long, int[]> rowsByBlock) implements RowSubset {
    @Override
    public boolean[] rowsOf(long blockId, int rows) {
      boolean[] in = new boolean[rows];
      for (int r : rowsByBlock.getOrDefault(blockId, new int[0])) {
        if (r < 0 || r >= rows) {
          throw new IllegalArgumentException(
              "row " + r + " of block " + blockId + " is not among its " + rows + " rows");
        }
        in[r] = true;
      }
      return in;
    }

    @Override
    public String toString() {
      return rowsByBlock.values().stream().mapToInt(a -> a.length).sum() + " listed rows";
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Listed other)
          || !other.rowsByBlock.keySet().equals(rowsByBlock.keySet())) {
        return false;
      }
      return rowsByBlock.entrySet().stream()
          .allMatch(e -> Arrays.equals(e.getValue(), other.rowsByBlock.get(e.getKey())));
    }

    @Override
    public int hashCode() {
      return rowsByBlock.keySet().hashCode();
    }
  }

  /** See {@link #complement}. */
  record Complement(RowSubset of) implements RowSubset {
    @Override
    public boolean[] rowsOf(long blockId, int rows) {
      boolean[] in = of.rowsOf(blockId, rows);
      for (int r = 0; r < rows; r++) {
        in[r] = !in[r];
      }
      return in;
    }

    @Override
    public String toString() {
      return "not " + of;
    }
  }

  /** See {@link #and}. */
  record Both(RowSubset a, RowSubset b) implements RowSubset {
    @Override
    public boolean[] rowsOf(long blockId, int rows) {
      boolean[] in = a.rowsOf(blockId, rows);
      boolean[] other = b.rowsOf(blockId, rows);
      for (int r = 0; r < rows; r++) {
        in[r] &= other[r];
      }
      return in;
    }

    @Override
    public String toString() {
      return "(" + a + " and " + b + ")";
    }
  }
}
