package org.sparkdpsgd.audit;

import java.util.LinkedHashSet;
import java.util.Set;
import org.sparkdpsgd.util.CryptoRandom;

/** Uniform draws of numbers in [0, n) from a {@link CryptoRandom} stream, without modulo bias. */
public final class UniformIndices {
  private UniformIndices() {}

  /**
   * Uniform on {0, ..., n - 1}: a 63-bit draw, redrawn when it lands in the incomplete last block.
   */
  public static long below(CryptoRandom random, long n) {
    long limit = Long.MAX_VALUE - Long.MAX_VALUE % n;
    while (true) {
      long r = random.nextLong() >>> 1;
      if (r < limit) {
        return r % n;
      }
    }
  }

  /**
   * A uniform random subset of {0, ..., n - 1} of size m (Floyd's algorithm: m draws, no array of
   * size n, so it works for |R| = 10^18 as well as for 10^3).
   */
  public static long[] subset(CryptoRandom random, long n, int m) {
    Set<Long> chosen = new LinkedHashSet<>();
    for (long j = n - m; j < n; j++) {
      long t = below(random, j + 1);
      chosen.add(chosen.contains(t) ? j : t);
    }
    return chosen.stream().mapToLong(Long::longValue).toArray();
  }
}
