package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.CryptoRandom;
import org.sparkdpsgd.util.InvalidInputException;

class ExposureAuditTest {
  private static final CanaryFormat THREE_DIGITS = new CanaryFormat("pin ", 3);

  private static CryptoRandom stream(long seed) {
    return CryptoRandom.derived("exposure-audit-test", "s".getBytes(StandardCharsets.UTF_8), seed);
  }

  private static CanaryPlan plan(CanaryFormat format, int perCount, long seed) {
    return CanaryPlan.seeded(format, CanaryPlan.STANDARD_INSERTIONS, perCount, seed);
  }

  @Test
  void aCanaryScoredBelowEveryCandidateHasTheFullExposureAndOneAboveAllHasNone() {
    CanaryPlan plan = plan(THREE_DIGITS, 1, 1);
    Map<String, Double> planted = new HashMap<>();
    planted.put(plan.canaries().get(0).text(), -1.0);
    planted.put(plan.canaries().get(1).text(), 2.0);
    CandidateScorer scorer =
        SyntheticScores.scorer(THREE_DIGITS, i -> SyntheticScores.uniform(5, i), planted);
    ModelExposures m = ExposureAudit.exact("m", plan, scorer, 64);
    assertEquals(ModelExposures.Method.EXACT, m.method());
    assertEquals(1000, m.candidatesScored());
    CanaryExposure first = m.canaries().get(0);
    assertEquals(1, first.rank(), 0);
    assertEquals(Math.log(1000) / Math.log(2), first.exposure(), 1e-12);
    assertEquals(-1.0, first.logPerplexity(), 0);
    CanaryExposure last = m.canaries().get(1);
    assertEquals(1000, last.rank(), 0);
    assertEquals(0, last.exposure(), 1e-12);
    assertFalse(first.hasExtrapolation());
  }

  @Test
  void aModelScoringAllAlikeGivesTheMiddleRank() {
    CanaryPlan plan = plan(THREE_DIGITS, 2, 2);
    ModelExposures m = ExposureAudit.exact("m", plan, texts -> new double[texts.size()], 100);
    for (CanaryExposure c : m.canaries()) {
      assertEquals(500.5, c.rank(), 0);
    }
  }

  /**
   * Under a scorer that knows nothing, a canary's rank is uniform on 1..|R| and its mean exposure
   * is the chance level. 2,000 independent scorers, one canary each: the mean of 2,000 i.i.d.
   * exposures must be within 4.89 standard deviations of the mean (the exact sd of log2 of a
   * uniform rank), which the central limit theorem puts at a false-failure rate of about 1e-6.
   */
  @Test
  void aRandomScorerAveragesTheChanceLevel() {
    int trials = 2_000;
    double sum = 0;
    for (int t = 0; t < trials; t++) {
      long seed = 100 + t;
      CanaryPlan plan = CanaryPlan.seeded(THREE_DIGITS, List.of(1), 1, seed);
      CandidateScorer random =
          SyntheticScores.scorer(THREE_DIGITS, i -> SyntheticScores.uniform(seed, i));
      sum += ExposureAudit.exact("random", plan, random, 1000).canaries().get(0).exposure();
    }
    double log2n = Math.log(1000) / Math.log(2);
    double mean = Exposure.chanceLevel(1000);
    double variance = 0;
    for (int rank = 1; rank <= 1000; rank++) {
      double d = Exposure.fromRank(log2n, rank) - mean;
      variance += d * d / 1000;
    }
    double tolerance = 4.89 * Math.sqrt(variance / trials);
    assertEquals(1.43639, mean, 1e-5);
    assertEquals(mean, sum / trials, tolerance, "tolerance " + tolerance);
  }

  /**
   * Candidates scored from a known skew-normal, canaries planted at chosen points. Scoring all 10^5
   * candidates gives exact ranks; a sample of 10,000 estimates them, and its skew-normal fit
   * extrapolates. The sample's count below a canary is hypergeometric; with at least 156 expected
   * below, the normal approximation and 6 standard deviations put each check's false-failure rate
   * near 2e-9. The extrapolations use the delta method's standard error at 4.89 (1e-6 each).
   */
  @Test
  void sampledEstimatesAgreeWithExactRanksAndTheTrueTail() {
    CanaryFormat format = new CanaryFormat("my pin is ", 5);
    long n = format.spaceSize();
    SkewNormal truth = new SkewNormal(30, 4, 3);
    CanaryPlan plan = plan(format, 1, 3);
    // Planted at true tail probabilities 2^-1, 2^-2, 2^-4 and 2^-50 (far below every candidate).
    double[] bits = {1, 2, 4, 50};
    Map<String, Double> planted = new HashMap<>();
    for (int k = 0; k < 4; k++) {
      planted.put(plan.canaries().get(k).text(), SkewNormalFitTest.quantileAtBits(truth, bits[k]));
    }
    CandidateScorer scorer =
        SyntheticScores.scorer(format, i -> SyntheticScores.skewNormal(truth, 21, i), planted);
    ModelExposures exact = ExposureAudit.exact("exact", plan, scorer, 4096);
    int m = 10_000;
    ModelExposures sampled = ExposureAudit.sampled("sampled", plan, scorer, m, stream(4), 512);
    assertEquals(ModelExposures.Method.SAMPLED, sampled.method());
    assertEquals(m, sampled.candidatesScored());
    for (int k = 0; k < 3; k++) {
      double q = (exact.canaries().get(k).rank() - 1) / (n - 1);
      double p = (sampled.canaries().get(k).rank() - 1) / (n - 1);
      double sd = Math.sqrt(q * (1 - q) / m * (n - m) / (n - 1.0));
      assertTrue(q * m >= 156, "expected count " + q * m);
      assertEquals(q, p, 6 * sd, "canary " + k + ": rank fraction, sd " + sd);
      // The exact rank itself follows the truth: 10^5 draws, the same normal approximation.
      double truthFraction = Math.pow(2, -bits[k]);
      double sdTruth = Math.sqrt(truthFraction * (1 - truthFraction) / n);
      assertEquals(truthFraction, q, 6 * sdTruth, "canary " + k + ": exact rank fraction");
    }
    CanaryExposure far = sampled.canaries().get(3);
    assertTrue(far.exposureIsLowerBound());
    assertEquals(1 + (n - 1) / (double) m, far.rank(), 1e-9);
    assertEquals(1, exact.canaries().get(3).rank(), 0);
    // The audit's sample, drawn again from the same stream, for the fit's standard errors.
    long[] drawn = UniformIndices.subset(stream(4), n, m);
    double[] sample = new double[m];
    for (int k = 0; k < m; k++) {
      sample[k] = SyntheticScores.skewNormal(truth, 21, drawn[k]);
    }
    SkewNormal fit = sampled.fit().orElseThrow();
    assertEquals(SkewNormalFit.maximumLikelihood(sample), fit);
    // The exact method, fitting the same draws among the scores it already has, extrapolates alike.
    ModelExposures exactFitted =
        ExposureAudit.exactWithExtrapolation("exact", plan, scorer, 4096, m, stream(4));
    assertEquals(fit, exactFitted.fit().orElseThrow());
    assertEquals(
        sampled.canaries().get(3).extrapolatedExposure(),
        exactFitted.canaries().get(3).extrapolatedExposure(),
        0);
    assertEquals(exact.canaries().get(2).rank(), exactFitted.canaries().get(2).rank(), 0);
    double se =
        new FitUncertainty(fit, sample).standardError(d -> d.lowerTailBits(far.logPerplexity()));
    assertEquals(50, far.extrapolatedExposure(), 4.89 * se, "extrapolated, se " + se);
    assertTrue(se < 3, "se " + se);
  }

  /**
   * A sample of the whole space draws every candidate once, and then estimates the exact ranks
   * exactly, but only if each canary is left out of its own comparison (else it would tie with
   * itself, and count among |R| others instead of |R| - 1).
   */
  @Test
  void aSampleOfTheWholeSpaceGivesTheExactRanks() {
    CanaryPlan plan = plan(THREE_DIGITS, 2, 5);
    java.util.Set<String> firstBatch = new java.util.HashSet<>();
    CandidateScorer base =
        SyntheticScores.scorer(THREE_DIGITS, i -> Math.floor(10 * SyntheticScores.uniform(9, i)));
    CandidateScorer recording =
        texts -> {
          if (firstBatch.isEmpty()) {
            firstBatch.addAll(texts);
          }
          return base.logPerplexities(texts);
        };
    ModelExposures all = ExposureAudit.sampled("m", plan, recording, 1000, stream(6), 1000);
    assertEquals(1000, firstBatch.size());
    ModelExposures exact = ExposureAudit.exact("m", plan, base, 1000);
    for (int k = 0; k < plan.canaries().size(); k++) {
      // Scores take 10 values: many ties.
      assertEquals(exact.canaries().get(k).rank(), all.canaries().get(k).rank(), 1e-9);
      assertEquals(exact.canaries().get(k).exposure(), all.canaries().get(k).exposure(), 1e-9);
    }
  }

  @Test
  void refusesAScorerThatReturnsTheWrongCountOrNotANumber() {
    CanaryPlan plan = plan(THREE_DIGITS, 1, 7);
    IllegalStateException count =
        assertThrows(
            IllegalStateException.class,
            () -> ExposureAudit.exact("m", plan, texts -> new double[1], 10));
    assertEquals("the scorer returned 1 log-perplexities for 10 texts", count.getMessage());
    InvalidInputException nan =
        assertThrows(
            InvalidInputException.class,
            () ->
                ExposureAudit.exact(
                    "m",
                    plan,
                    texts -> {
                      double[] s = new double[texts.size()];
                      s[3] = Double.NaN;
                      return s;
                    },
                    10));
    assertEquals("the scorer returned a log-perplexity of NaN (text 3)", nan.getMessage());
    InvalidInputException tooSmall =
        assertThrows(
            InvalidInputException.class,
            () ->
                ExposureAudit.sampled(
                    "m", plan, texts -> new double[texts.size()], 50, stream(8), 10));
    assertEquals(
        "the candidate sample's size must be in 100..1000; provided value: 50",
        tooSmall.getMessage());
  }
}
