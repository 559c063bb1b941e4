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

  /**
   * Blocks of one step share the step's key and differ in their counter-mode nonce: whether row r
   * is kept in block 0 must not tell anything about row r of block 1. Over 20,000 steps at q = 0.3
   * both are kept with frequency q² = 0.09 (Binomial sd 40.5); 5.5 sd over 50 rows gives a
   * false-failure probability below 2e-6.
   */
  @Test
  void blocksOfOneStepAreSampledIndependently() {
    SamplingKey key = SamplingKey.forTesting(11);
    int n = 50;
    double q = 0.3;
    int steps = 20_000;
    int[] both = new int[n];
    for (int t = 0; t < steps; t++) {
      PoissonSampler.Step step = PoissonSampler.forStep(key, t);
      boolean[] first = new boolean[n];
      for (int r : step.sample(0, n, q)) {
        first[r] = true;
      }
      for (int r : step.sample(1, n, q)) {
        both[r] += first[r] ? 1 : 0;
      }
    }
    double p = q * q;
    double sd = Math.sqrt(steps * p * (1 - p));
    for (int r = 0; r < n; r++) {
      assertEquals(steps * p, both[r], 5.5 * sd, "row " + r);
    }
  }

  /**
   * Big data, small batch: 2,000 blocks of 4,096 rows at q = 1024 / 8,192,000, where most blocks
   * keep no row. The total per step is Binomial(8,192,000, q): mean 1024, sd 32; over 400 steps the
   * mean's standard error is 1.6 and 5 of them are allowed (false-failure probability about 6e-7).
   */
  @Test
  void sampleSizeOverManySparselySampledBlocksIsBinomial() {
    SamplingKey key = SamplingKey.forTesting(12);
    int blocks = 2000;
    int rows = 4096;
    double q = 1024.0 / (blocks * rows);
    int steps = 400;
    double sum = 0;
    for (int t = 0; t < steps; t++) {
      PoissonSampler.Step step = PoissonSampler.forStep(key, t);
      for (int b = 0; b < blocks; b++) {
        sum += step.sample(b, rows, q).length;
      }
    }
    double sd = Math.sqrt(blocks * rows * q * (1 - q));
    assertEquals(1024, sum / steps, 5 * sd / Math.sqrt(steps), "mean sample size per step");
  }

  /** A task reuses one Step for its blocks, in any order: each gets the sample it gets alone. */
  @Test
  void reusingAStepGivesEachBlockItsOwnSample() {
    SamplingKey key = SamplingKey.forTesting(13);
    PoissonSampler.Step step = PoissonSampler.forStep(key, 4);
    for (long b : new long[] {3, 1, 2, 1, 1L << 33}) {
      assertArrayEquals(
          PoissonSampler.sample(key, 4, b, 50_000, 0.01), step.sample(b, 50_000, 0.01));
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
