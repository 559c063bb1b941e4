package org.sparkdpsgd.audit;

import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Scorers for tests: each candidate's score is a deterministic function of its secret's number and
 * a seed (SplitMix64's finaliser), so that scoring a text twice, in any batch, gives the same
 * number, as a real model does.
 */
final class SyntheticScores {
  private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

  private SyntheticScores() {}

  /** Uniform on (0, 1), independent across (seed, index) pairs. */
  static double uniform(long seed, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + index;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return ((z >>> 11) + 0.5) * 0x1.0p-53;
  }

  static double normal(long seed, long index) {
    return NORMAL.inverseCumulativeProbability(uniform(seed, index));
  }

  /** A draw from d: ξ + ω (δ |U0| + √(1 - δ²) U1), U0 and U1 standard normal. */
  static double skewNormal(SkewNormal d, long seed, long index) {
    double delta = d.shape() / Math.sqrt(1 + d.shape() * d.shape());
    double u0 = Math.abs(normal(2 * seed, index));
    double u1 = normal(2 * seed + 1, index);
    return d.location() + d.scale() * (delta * u0 + Math.sqrt(1 - delta * delta) * u1);
  }

  static long index(CanaryFormat format, String text) {
    return Long.parseLong(text.substring(format.prefix().length()));
  }

  /** Scores from {@code base}, except the texts in {@code planted}, which get the given scores. */
  static CandidateScorer scorer(CanaryFormat format, IndexScore base, Map<String, Double> planted) {
    return texts -> {
      double[] s = new double[texts.size()];
      for (int k = 0; k < s.length; k++) {
        String t = texts.get(k);
        Double p = planted.get(t);
        s[k] = p != null ? p : base.score(index(format, t));
      }
      return s;
    };
  }

  static CandidateScorer scorer(CanaryFormat format, IndexScore base) {
    return scorer(format, base, Map.of());
  }

  interface IndexScore {
    double score(long index);
  }
}
