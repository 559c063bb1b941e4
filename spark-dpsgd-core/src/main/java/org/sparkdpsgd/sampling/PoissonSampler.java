package org.sparkdpsgd.sampling;

import java.util.Arrays;
import org.sparkdpsgd.util.CryptoRandom;

/**
 * Poisson sampling of one block for one step: each row is kept independently with probability q,
 * the event that the privacy accountant analyses. Gaps between kept rows are geometric, so the cost
 * is proportional to the number of rows kept (about q * rows), not to the block size. The random
 * stream is derived from (run key, step, block id): a retried task draws the same sample.
 */
public final class PoissonSampler {
  private PoissonSampler() {}

  public static int[] sample(SamplingKey key, long step, long blockId, int rows, double q) {
    if (q >= 1.0) {
      int[] all = new int[rows];
      Arrays.setAll(all, i -> i);
      return all;
    }
    if (q <= 0 || rows == 0) {
      return new int[0];
    }
    CryptoRandom rng = CryptoRandom.derived("poisson-sample", key.secret(), step, blockId);
    double logOneMinusQ = Math.log1p(-q);
    int expected = (int) Math.min(rows, q * rows + 6 * Math.sqrt(q * rows) + 16);
    int[] picked = new int[expected];
    int count = 0;
    long index = -1;
    while (true) {
      // Number of rows skipped before the next kept one: Geometric(q) on {0, 1, 2, ...}.
      double skip = Math.floor(Math.log(rng.nextDoubleOpenZero()) / logOneMinusQ);
      if (skip >= rows - 1 - index) {
        break;
      }
      index += (long) skip + 1;
      if (count == picked.length) {
        picked = Arrays.copyOf(picked, Math.min(rows, picked.length * 2));
      }
      picked[count++] = (int) index;
    }
    return Arrays.copyOf(picked, count);
  }
}
