package org.sparkdpsgd.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.UniformRealDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.CryptoRandom;

/**
 * The ziggurat's output is the standard normal: its tables, and its draws by statistical tests
 * whose thresholds are set so that each fails a correct sampler with probability at most 1e-6. The
 * streams are seeded, so a pass or a failure repeats; the false-failure rate is the chance of
 * having picked an unlucky seed.
 */
class ZigguratTest {
  private static final double ALPHA = 1e-6;

  /** Its z-score for a two-sided test: P(|N(0,1)| > 4.8916) = 1e-6. */
  private static final double Z_ALPHA = 4.8916;

  private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

  private static CryptoRandom stream(long seed) {
    return CryptoRandom.derived("ziggurat-test", "seed".getBytes(StandardCharsets.US_ASCII), seed);
  }

  private static double[] draws(int n, long seed) {
    CryptoRandom random = stream(seed);
    double[] z = new double[n];
    for (int k = 0; k < n; k++) {
      z[k] = Ziggurat.next(random);
    }
    return z;
  }

  /** The published constants for 256 layers (Marsaglia and Tsang 2000): r = 3.6541528853610088. */
  @Test
  void tablesHaveEqualLayersUnderTheCurve() {
    assertEquals(3.6541528853610088, Ziggurat.R, 1e-12);
    assertEquals(0.00492867323399, Ziggurat.AREA, 1e-13);
    // Layer 0 (strip plus tail) and layers 1..255 (rectangles) all have area v.
    assertEquals(Ziggurat.AREA, Ziggurat.x(0) * Ziggurat.y(1), 1e-17);
    for (int i = 1; i < Ziggurat.LAYERS; i++) {
      double area = Ziggurat.x(i) * (Ziggurat.y(i + 1) - Ziggurat.y(i));
      assertEquals(Ziggurat.AREA, area, 1e-15, "layer " + i);
      assertTrue(Ziggurat.x(i + 1) < Ziggurat.x(i), "edges shrink at " + i);
      // The quick-accept column [0, X[i+1]] of layer i is under the curve up to its top (the top
      // layer has none: X[256] = 0, and its excess above 1 is rejected as a wedge).
      double edge = Ziggurat.x(i + 1);
      assertTrue(
          i + 1 == Ziggurat.LAYERS || StrictMath.exp(-0.5 * edge * edge) >= Ziggurat.y(i + 1));
    }
    assertTrue(Ziggurat.y(Ziggurat.LAYERS) >= 1);
    assertTrue(Ziggurat.y(Ziggurat.LAYERS) < 1 + 1e-12, "top " + Ziggurat.y(Ziggurat.LAYERS));
    // The layers cover the area under the half-Gaussian, sqrt(pi/2), plus the wedges above it:
    // 99.33% of a uniform point of the layers is under the curve (Marsaglia and Tsang's figure).
    assertEquals(0.9933, Math.sqrt(Math.PI / 2) / (Ziggurat.LAYERS * Ziggurat.AREA), 5e-5);
  }

  /**
   * Kolmogorov-Smirnov against N(0, 1) on 10^6 draws: detects a CDF error of about 0.3% anywhere.
   */
  @Test
  void drawsPassKolmogorovSmirnov() {
    double[] z = draws(1_000_000, 1);
    double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(NORMAL, z, false);
    assertTrue(p > ALPHA, "KS p-value " + p);
  }

  /**
   * Chi-square on 4*10^7 draws in 162 bins: width 1/16 on [-5, 5] (fine enough to see a wedge
   * handled wrongly: the wedges are 1% of the draws, spread over every layer's edge), and the two
   * tails beyond ±5. A bias of 0.2% in a bin of the centre is about 6 of its standard deviations.
   */
  @Test
  void drawsPassChiSquareIncludingTails() {
    int n = 40_000_000;
    int inner = 160;
    double width = 10.0 / inner;
    long[] counts = new long[inner + 2];
    CryptoRandom random = stream(2);
    for (int k = 0; k < n; k++) {
      double z = Ziggurat.next(random);
      int bin = z < -5 ? 0 : z >= 5 ? inner + 1 : 1 + Math.min(inner - 1, (int) ((z + 5) / width));
      counts[bin]++;
    }
    double chi2 = 0;
    for (int b = 0; b < counts.length; b++) {
      double lo = b == 0 ? Double.NEGATIVE_INFINITY : -5 + (b - 1) * width;
      double hi = b == inner + 1 ? Double.POSITIVE_INFINITY : -5 + b * width;
      double expected = n * probability(lo, hi);
      chi2 += (counts[b] - expected) * (counts[b] - expected) / expected;
    }
    double critical =
        new ChiSquaredDistribution(null, counts.length - 1).inverseCumulativeProbability(1 - ALPHA);
    assertTrue(chi2 < critical, "chi-square " + chi2 + " >= " + critical);
  }

  /**
   * The tail beyond R = 3.654 comes from Marsaglia's exact tail sampler, drawn for 0.026% of
   * values: its frequency and its shape (KS against the normal conditioned on |z| > R) are tested
   * on its own, where the whole-range tests above have little power.
   */
  @Test
  void tailBeyondRHasTheNormalsFrequencyAndShape() {
    int n = 40_000_000;
    CryptoRandom random = stream(3);
    double[] tail = new double[20_000];
    int m = 0;
    long beyond45 = 0;
    for (int k = 0; k < n; k++) {
      double a = Math.abs(Ziggurat.next(random));
      if (a > Ziggurat.R) {
        tail[m++] = a;
        if (a > 4.5) {
          beyond45++;
        }
      }
    }
    double pTail = 2 * NORMAL.cumulativeProbability(-Ziggurat.R);
    assertWithinBinomial(m, n, pTail, "draws beyond R");
    assertWithinBinomial(beyond45, n, 2 * NORMAL.cumulativeProbability(-4.5), "draws beyond 4.5");
    double[] conditional = new double[m];
    double below = NORMAL.cumulativeProbability(-Ziggurat.R);
    for (int k = 0; k < m; k++) {
      // P(|Z| > t | |Z| > R) for the observed t, which is uniform on (0, 1) if the tail is right.
      conditional[k] = NORMAL.cumulativeProbability(-tail[k]) / below;
    }
    double p =
        new KolmogorovSmirnovTest()
            .kolmogorovSmirnovTest(new UniformRealDistribution(null, 0, 1), conditional, false);
    assertTrue(p > ALPHA, "tail KS p-value " + p);
  }

  /**
   * A word is rejected (NaN) exactly when its point is in a wedge above the curve: with probability
   * 1 - sqrt(pi/2) / (256 v), about 0.67%. A sampler that accepted wedge points unchecked, or
   * rejected too many, would miss this rate.
   */
  @Test
  void wordsAreRejectedAtTheWedgesRate() {
    int n = 10_000_000;
    CryptoRandom random = stream(5);
    long rejected = 0;
    for (int k = 0; k < n; k++) {
      rejected += Double.isNaN(Ziggurat.fromWord(random.nextLong(), random)) ? 1 : 0;
    }
    double p = 1 - Math.sqrt(Math.PI / 2) / (Ziggurat.LAYERS * Ziggurat.AREA);
    assertWithinBinomial(rejected, n, p, "rejected words");
  }

  /** Signs are independent of magnitudes: the layer and the sign come from disjoint bits. */
  @Test
  void signIsBalancedInEveryLayer() {
    int n = 4_000_000;
    double[] z = draws(n, 4);
    // Bands of |z| roughly matching a few layers each: inner, middle, outer, tail.
    double[] edges = {0, 0.5, 1.5, 2.5, Double.POSITIVE_INFINITY};
    for (int band = 0; band + 1 < edges.length; band++) {
      long total = 0;
      long positive = 0;
      for (double v : z) {
        double a = Math.abs(v);
        if (a >= edges[band] && a < edges[band + 1]) {
          total++;
          positive += v > 0 ? 1 : 0;
        }
      }
      assertWithinBinomial(positive, total, 0.5, "positive in band " + band);
    }
  }

  private static double probability(double lo, double hi) {
    // From the upper tail where it is small, for accuracy.
    if (lo >= 0) {
      return NORMAL.cumulativeProbability(-lo) - NORMAL.cumulativeProbability(-hi);
    }
    return NORMAL.cumulativeProbability(hi) - NORMAL.cumulativeProbability(lo);
  }

  private static void assertWithinBinomial(long count, long n, double p, String what) {
    double mean = n * p;
    double sd = Math.sqrt(n * p * (1 - p));
    assertEquals(mean, count, Z_ALPHA * sd + 1, what + " (expected " + mean + ")");
  }
}
