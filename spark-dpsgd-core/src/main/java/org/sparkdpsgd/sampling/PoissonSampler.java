package org.sparkdpsgd.sampling;

import java.util.Arrays;
import org.sparkdpsgd.util.CounterStreams;

/**
 * Poisson sampling of the blocks of one step: each row is kept independently with probability q,
 * the event that the privacy accountant analyses. Gaps between kept rows are geometric, so the cost
 * is proportional to the number of rows kept (about q * rows), not to the block size. The random
 * stream of a block is fixed by (run key, step, block id), so a retried task draws the same sample:
 * one AES key per step, SHA-256(run key, step), and per block the counter-mode stream whose nonce
 * is the block id ({@link CounterStreams}). A block then costs the AES blocks it reads, not a key
 * derivation of its own: with millions of rows in thousands of blocks and a batch of a thousand,
 * most blocks keep no row at all, and a per-block derivation was most of what sampling cost.
 */
public final class PoissonSampler {
  private PoissonSampler() {}

  /** One block's sample; for many blocks of one step, use {@link #forStep} once. */
  public static int[] sample(SamplingKey key, long step, long blockId, int rows, double q) {
    return forStep(key, step).sample(blockId, rows, q);
  }

  /** The sampler of step {@code step}; it belongs to one thread (one task). */
  public static Step forStep(SamplingKey key, long step) {
    return new Step(key, step);
  }

  /** Samples blocks of one step. */
  public static final class Step {
    private final SamplingKey key;
    private final long step;
    private CounterStreams streams; // keyed on first use: q = 0 or 1 needs no key

    private Step(SamplingKey key, long step) {
      this.key = key;
      this.step = step;
    }

    /** The sorted indices of the rows of block {@code blockId} (of {@code rows}) kept this step. */
    public int[] sample(long blockId, int rows, double q) {
      if (q >= 1.0) {
        int[] all = new int[rows];
        Arrays.setAll(all, i -> i);
        return all;
      }
      if (q <= 0 || rows == 0) {
        return new int[0];
      }
      if (streams == null) {
        streams = CounterStreams.derived("poisson-sample-step", key.secret(), step);
      }
      CounterStreams rng = streams.start(blockId);
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
}
