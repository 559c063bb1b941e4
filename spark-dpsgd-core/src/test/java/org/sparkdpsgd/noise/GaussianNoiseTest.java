package org.sparkdpsgd.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GaussianNoiseTest {
  /**
   * n = 1,000,000 draws of N(0, s²) with s = σC = 2.5: the sample mean has standard error s/sqrt(n)
   * = 0.0025 and the sample standard deviation about s/sqrt(2n) = 0.00177. Both are allowed 5
   * standard errors: false-failure probability about 6e-7 each.
   */
  @Test
  void secureNoiseHasTheRightMeanAndStandardDeviation() {
    NoiseSource noise = NoiseSources.secure();
    assertTrue(noise.secure());
    checkMoments(noise, 2.5);
  }

  @Test
  void testingNoiseIsReproducibleAndMarkedInsecure() {
    double[] a = new double[100];
    double[] b = new double[100];
    NoiseSources.seededForTesting(3).addNoise(a, 1.0);
    NoiseSources.seededForTesting(3).addNoise(b, 1.0);
    assertEquals(a[17], b[17]);
    assertTrue(!NoiseSources.seededForTesting(3).secure());
    checkMoments(NoiseSources.seededForTesting(4), 0.7);
  }

  /** Outputs are multiples of the granularity whatever the input (the snapping defence). */
  @Test
  void outputsLieOnTheGranularityGrid() {
    double s = 1.3;
    double g = SecureGaussianNoise.granularity(s);
    assertTrue(g >= s * 0x1.0p-40 && g < s * 0x1.0p-39, "granularity " + g);
    double[] v = {0.1, Math.PI, -1e-9, 12345.678};
    NoiseSources.secure().addNoise(v, s);
    for (double x : v) {
      assertEquals(0.0, Math.IEEEremainder(x, g), 0.0, "value " + x);
    }
  }

  static void checkMoments(NoiseSource noise, double s) {
    int n = 1_000_000;
    double[] v = new double[n];
    noise.addNoise(v, s);
    double sum = 0;
    double sumSq = 0;
    for (double x : v) {
      sum += x;
      sumSq += x * x;
    }
    double mean = sum / n;
    double sd = Math.sqrt(sumSq / n - mean * mean);
    assertEquals(0.0, mean, 5 * s / Math.sqrt(n), "mean");
    assertEquals(s, sd, 5 * s / Math.sqrt(2.0 * n), "standard deviation");
  }
}
