package org.sparkdpsgd.aggregate;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The microbatches of one step (TensorFlow Privacy's num_microbatches): per microbatch the
 * UNCLIPPED sum of its examples' gradients and their count, allocated when the first example
 * arrives, and merged across tasks by addition. Only the driver, holding every task's part, knows a
 * microbatch's mean, so only it can clip it: {@link #clippedSum} divides each non-empty
 * microbatch's sum by its count, clips the mean to C and adds the clipped means.
 *
 * <p>Why on the driver: a microbatch's examples are drawn uniformly at random from the whole sample
 * ({@link org.sparkdpsgd.sampling.MicrobatchAssignment}), so they sit on many executors. Confining
 * microbatches to a task would make their membership follow the data's layout into blocks, which
 * adding one example shifts, and would make M depend on the partitioning. The price, and the one
 * exception to "only clipped sums leave an executor": these sums are unclipped. They travel only
 * from the tasks to the driver (as the data itself may), are never logged, and are dropped once
 * clipped. They are merged in double, not in fixed point (nothing bounds them before the clip), so
 * a different merge order can change their last bits; the sensitivity is unaffected, since the clip
 * comes after the merge.
 *
 * <p>Sensitivity: adding or removing one example changes the sum and count of the one microbatch it
 * joins and no other, so the released sum moves by the difference of two clipped means, at most 2C
 * (a microbatch that was empty contributes 0 before, at most C after). Each clipped mean is rounded
 * to the fixed-point grid ({@link ExactSum}) and the means are added exactly, so the released sums
 * differ by at most 2C + √d·unit ≤ 2·{@link ExactSum#sensitivity}: noise σ times the latter is σ/2
 * times the former, what the accountant is charged for.
 */
final class MicrobatchSums {
  private final int numParams;
  private final double[][] sums;
  private final long[] counts;

  MicrobatchSums(int numMicrobatches, int numParams) {
    this.numParams = numParams;
    this.sums = new double[numMicrobatches][];
    this.counts = new long[numMicrobatches];
  }

  /** The running sum of microbatch {@code j} (allocated on first use); add to it in place. */
  double[] sum(int j) {
    if (sums[j] == null) {
      sums[j] = new double[numParams];
    }
    return sums[j];
  }

  void addCount(int j, long examples) {
    counts[j] += examples;
  }

  /** Adds {@code other} (same number of microbatches and parameters). */
  MicrobatchSums merge(MicrobatchSums other) {
    if (other.sums.length != sums.length || other.numParams != numParams) {
      throw new IllegalStateException(
          "cannot merge "
              + other.sums.length
              + " microbatches of "
              + other.numParams
              + " values into "
              + sums.length
              + " of "
              + numParams);
    }
    for (int j = 0; j < sums.length; j++) {
      counts[j] += other.counts[j];
      if (other.sums[j] != null) {
        double[] mine = sum(j);
        double[] theirs = other.sums[j];
        for (int k = 0; k < numParams; k++) {
          mine[k] += theirs[k];
        }
      }
    }
    return this;
  }

  /**
   * Σ over non-empty microbatches of clip(sum_j / n_j) to norm {@code clip}, each clipped mean
   * rounded to the grid of {@code unit} and added exactly; null if every microbatch is empty. A
   * mean whose norm is not finite (overflow) cannot be scaled to C and contributes 0, as {@link
   * org.sparkdpsgd.clip.ClipFactors} drops such an example. An infinite clip (the non-private
   * baseline) adds the means.
   */
  ExactSum clippedSum(double clip, double unit) {
    ExactSum total = null;
    double[] mean = new double[numParams];
    for (int j = 0; j < sums.length; j++) {
      if (counts[j] == 0) {
        continue;
      }
      if (total == null) {
        total = ExactSum.zeros(numParams, unit);
      }
      ClippedMean.add(sums[j], counts[j], clip, mean, total);
    }
    return total;
  }

  /** Number of non-empty microbatches (tests only: the count depends on the data). */
  int nonEmpty() {
    int n = 0;
    for (long c : counts) {
      n += c > 0 ? 1 : 0;
    }
    return n;
  }

  /** Byte size of {@link #put}'s form. */
  int size() {
    int size = 4 + 4 + 4;
    for (int j = 0; j < sums.length; j++) {
      if (counts[j] > 0 || sums[j] != null) {
        size += 4 + 8 + 1 + (sums[j] == null ? 0 : 8 * numParams);
      }
    }
    return size;
  }

  /** Microbatch count, parameters, then each non-empty microbatch's index, count and sum. */
  void put(ByteBuffer out) {
    int present = 0;
    for (int j = 0; j < sums.length; j++) {
      present += counts[j] > 0 || sums[j] != null ? 1 : 0;
    }
    out.putInt(sums.length).putInt(numParams).putInt(present);
    for (int j = 0; j < sums.length; j++) {
      if (counts[j] > 0 || sums[j] != null) {
        out.putInt(j).putLong(counts[j]).put((byte) (sums[j] == null ? 0 : 1));
        if (sums[j] != null) {
          out.asDoubleBuffer().put(sums[j]);
          out.position(out.position() + 8 * numParams);
        }
      }
    }
  }

  static MicrobatchSums get(ByteBuffer in) throws IOException {
    int m = in.getInt();
    int p = in.getInt();
    int present = in.getInt();
    if (m < 1 || p < 0 || present < 0 || present > m) {
      throw new IOException("malformed microbatch sums: " + m + ", " + p + ", " + present);
    }
    MicrobatchSums s = new MicrobatchSums(m, p);
    for (int i = 0; i < present; i++) {
      int j = in.getInt();
      s.counts[j] = in.getLong();
      if (in.get() == 1) {
        in.asDoubleBuffer().get(s.sum(j));
        in.position(in.position() + 8 * p);
      }
    }
    return s;
  }
}
