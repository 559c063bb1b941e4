package org.sparkdpsgd.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PoissonSamplerTest {
  /**
   * Over T = 4000 steps of a 10,000-row block at q = 0.02: the sample size is Binomial(N, q), mean
   * qN = 200, variance q(1-q)N = 196. The sample mean's standard error is sqrt(196/4000) = 0.22; we
   * allow 5 standard errors (false-failure probability about 6e-7). The sample variance's relative
   * standard error is about sqrt(2/T) = 2.2%; we allow 12% (over 5 standard errors).
   */
  @Test
  void sampleSizesHaveBinomialMeanAndVariance() {
    SamplingKey key = SamplingKey.forTesting(7);
    int n = 10_000;
    double q = 0.02;
    int steps = 4000;
    double sum = 0;
    double sumSq = 0;
    for (int t = 0; t < steps; t++) {
      int size = PoissonSampler.sample(key, t, 3, n, q).length;
      sum += size;
      sumSq += (double) size * size;
    }
    double mean = sum / steps;
    double variance = (sumSq - steps * mean * mean) / (steps - 1);
    double expectedMean = q * n;
    double expectedVariance = q * (1 - q) * n;
    assertEquals(expectedMean, mean, 5 * Math.sqrt(expectedVariance / steps), "mean sample size");
    assertEquals(expectedVariance, variance, 0.12 * expectedVariance, "variance of sample size");
  }

  /** Each row's inclusion frequency is q (every row alike), checked on the first and last rows. */
  @Test
  void everyRowIsKeptWithProbabilityQ() {
    SamplingKey key = SamplingKey.forTesting(8);
    int n = 50;
    double q = 0.3;
    int steps = 20_000;
    int[] hits = new int[n];
    for (int t = 0; t < steps; t++) {
      for (int r : PoissonSampler.sample(key, t, 0, n, q)) {
        hits[r]++;
      }
    }
    // Binomial(20000, 0.3): sd = 64.8; 5.5 sd over 50 rows gives false-failure probability < 2e-6.
    double sd = Math.sqrt(steps * q * (1 - q));
    for (int r = 0; r < n; r++) {
      assertEquals(steps * q, hits[r], 5.5 * sd, "row " + r);
    }
  }

  @Test
  void sameStepAndBlockGiveTheSameSampleOtherwiseDifferent() {
    SamplingKey key = SamplingKey.forTesting(9);
    int[] a = PoissonSampler.sample(key, 12, 5, 100_000, 0.01);
    int[] b = PoissonSampler.sample(key, 12, 5, 100_000, 0.01);
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, PoissonSampler.sample(key, 13, 5, 100_000, 0.01)));
    assertFalse(Arrays.equals(a, PoissonSampler.sample(key, 12, 6, 100_000, 0.01)));
    assertFalse(
        Arrays.equals(a, PoissonSampler.sample(SamplingKey.forTesting(10), 12, 5, 100_000, 0.01)));
  }

  @Test
  void indicesAreSortedDistinctAndInRange() {
    int[] s = PoissonSampler.sample(SamplingKey.forTesting(1), 1, 1, 1000, 0.5);
    for (int k = 0; k < s.length; k++) {
      assertTrue(s[k] >= 0 && s[k] < 1000);
      assertTrue(k == 0 || s[k] > s[k - 1]);
    }
    assertEquals(1000, PoissonSampler.sample(SamplingKey.forTesting(1), 1, 1, 1000, 1.0).length);
    assertEquals(0, PoissonSampler.sample(SamplingKey.forTesting(1), 1, 1, 0, 0.5).length);
  }

  @Test
  void secureKeysDiffer() {
    int[] a = PoissonSampler.sample(SamplingKey.secure(), 1, 1, 100_000, 0.01);
    int[] b = PoissonSampler.sample(SamplingKey.secure(), 1, 1, 100_000, 0.01);
    assertFalse(Arrays.equals(a, b));
  }
}
