package org.sparkdpsgd.sampling;

import org.sparkdpsgd.util.CounterStreams;

/**
 * Which of M microbatches each sampled example of a step joins: independently and uniformly at
 * random, from a secret stream keyed by (run key, step, block id) that is separate from the
 * sampling stream ({@link PoissonSampler}) and reads nothing of the data. So who shares a
 * microbatch with whom does not depend on any example's values, a retried task draws the same
 * assignment, and adding or removing one example leaves every other example's microbatch
 * distributed as before: the event the sensitivity argument of microbatching needs (one example
 * changes one microbatch's mean).
 */
public final class MicrobatchAssignment {
  private final SamplingKey key;
  private final long step;
  private CounterStreams streams; // keyed on first use

  private MicrobatchAssignment(SamplingKey key, long step) {
    this.key = key;
    this.step = step;
  }

  /** The assignment of step {@code step}; it belongs to one thread (one task). */
  public static MicrobatchAssignment forStep(SamplingKey key, long step) {
    return new MicrobatchAssignment(key, step);
  }

  /**
   * The microbatch, in [0, m), of each of the {@code sampled} rows block {@code blockId} kept this
   * step, in the order of the sample.
   */
  public int[] assign(long blockId, int sampled, int m) {
    if (m < 1) {
      throw new IllegalArgumentException("m must be >= 1; provided value: " + m);
    }
    int[] out = new int[sampled];
    if (m == 1 || sampled == 0) {
      return out;
    }
    if (streams == null) {
      streams = CounterStreams.derived("microbatch-step", key.secret(), step);
    }
    CounterStreams rng = streams.start(blockId);
    // Unbiased: reject the top 2⁶³ mod m values of each 63-bit draw.
    long limit = Long.MAX_VALUE - (Long.MAX_VALUE % m + 1) % m;
    for (int i = 0; i < sampled; i++) {
      long r;
      do {
        r = rng.nextLong() >>> 1;
      } while (r > limit);
      out[i] = (int) (r % m);
    }
    return out;
  }
}
