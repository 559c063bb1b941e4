package org.sparkdpsgd.audit;

import org.apache.commons.math3.special.Gamma;
import org.sparkdpsgd.util.Checks;

/**
 * The Secret Sharer's exposure (Carlini et al., USENIX Security 2019): exposure = log2 |R| - log2
 * rank, where a canary's rank is its place among all |R| candidates ordered by log-perplexity, most
 * likely first. A canary the model ranks first has exposure log2 |R|; one ranked last, 0.
 *
 * <p>Ties count half: rank = 1 + (candidates scoring strictly lower) + (other candidates scoring
 * exactly the same) / 2. So a model that scores every candidate alike gives each the middle rank,
 * (|R| + 1) / 2, and about 1 bit of exposure, not the log2 |R| that "nobody scores lower" would.
 */
public final class Exposure {
  private static final double LN2 = Math.log(2);

  /**
   * The chance level as |R| → ∞: 1/ln 2 ≈ 1.4427 bits, the mean exposure of a canary whose rank is
   * uniform on 1..|R|, as it is under a model that has learnt nothing about it.
   */
  public static final double CHANCE_LEVEL_LIMIT = 1 / LN2;

  private Exposure() {}

  public static double fromRank(double log2SpaceSize, double rank) {
    Checks.require(rank >= 1, "a rank must be >= 1; provided value: " + rank);
    return log2SpaceSize - Math.log(rank) / LN2;
  }

  /**
   * E[exposure] for a rank uniform on 1..n, exactly: log2 n - (1/n) Σ log2 r = log2 n - log2(n!)/n,
   * with log n! from commons-math3's log-gamma. It is 1/ln 2 - log2(2πn)/(2n) + O(1/n²) by
   * Stirling: 1.44268 for n = 10^6, 1.43639 for n = 1000.
   */
  public static double chanceLevel(long spaceSize) {
    Checks.positive("the secret space's size", spaceSize);
    double n = spaceSize;
    return (Math.log(n) - Gamma.logGamma(n + 1) / n) / LN2;
  }

  /**
   * The rank of a canary scoring {@code score} among {@code sorted} other candidates' scores
   * (ascending): 1 + below + ties / 2.
   */
  static double rankAmong(double score, double[] sorted) {
    int below = countBelow(sorted, score);
    int ties = countAtOrBelow(sorted, score) - below;
    return 1 + below + ties / 2.0;
  }

  /** How many of the ascending values are < x. */
  static int countBelow(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** How many of the ascending values are <= x. */
  static int countAtOrBelow(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
