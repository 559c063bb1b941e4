package org.sparkdpsgd.audit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.CryptoRandom;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Measures each canary's exposure under a model, given only the model's {@link CandidateScorer}.
 * Either every candidate in R is scored (exact ranks), or a uniform sample of R is (ranks estimated
 * from the sample, and exposures extrapolated from a skew-normal fitted to it).
 */
public final class ExposureAudit {
  /** Exact ranks keep every candidate's score in memory: 8 bytes each. */
  public static final long MAX_EXACT_SPACE = 100_000_000;

  private ExposureAudit() {}

  /** Scores all |R| candidates, {@code batchSize} texts per call of the scorer. */
  public static ModelExposures exact(
      String model, CanaryPlan plan, CandidateScorer scorer, int batchSize) {
    return exact(model, plan, scorer, batchSize, 0, null);
  }

  /**
   * Exact ranks, plus extrapolated exposures from a skew-normal fitted to a uniform sample of
   * {@code fitSampleSize} of the scores already computed (no extra scoring): they say how far
   * beyond log2 |R| a canary ranked first stands out.
   */
  public static ModelExposures exactWithExtrapolation(
      String model,
      CanaryPlan plan,
      CandidateScorer scorer,
      int batchSize,
      int fitSampleSize,
      CryptoRandom random) {
    Checks.require(
        fitSampleSize >= SkewNormalFit.MIN_SAMPLE && fitSampleSize <= plan.format().spaceSize(),
        "the fit's sample size must be in "
            + SkewNormalFit.MIN_SAMPLE
            + ".."
            + plan.format().spaceSize()
            + "; provided value: "
            + fitSampleSize);
    return exact(model, plan, scorer, batchSize, fitSampleSize, random);
  }

  private static ModelExposures exact(
      String model,
      CanaryPlan plan,
      CandidateScorer scorer,
      int batchSize,
      int fitSampleSize,
      CryptoRandom random) {
    CanaryFormat format = plan.format();
    long n = format.spaceSize();
    Checks.require(
        n <= MAX_EXACT_SPACE,
        "exact exposure scores every candidate, at most "
            + MAX_EXACT_SPACE
            + "; provided value: |R| = "
            + n
            + " (use the sampled method)");
    double[] scores = score(scorer, n, format::text, batchSize);
    Optional<SkewNormal> fit = Optional.empty();
    if (fitSampleSize > 0) {
      long[] drawn = UniformIndices.subset(random, n, fitSampleSize);
      double[] sample = new double[drawn.length];
      for (int k = 0; k < drawn.length; k++) {
        sample[k] = scores[(int) drawn[k]];
      }
      fit = Optional.of(SkewNormalFit.maximumLikelihood(sample));
    }
    double[] sorted = scores.clone();
    Arrays.sort(sorted);
    double log2n = format.log2SpaceSize();
    List<CanaryExposure> results = new ArrayList<>();
    for (Canary c : plan.canaries()) {
      double s = scores[(int) c.index()];
      // The canary is one of the candidates: it is neither below itself nor a tie with itself.
      int below = Exposure.countBelow(sorted, s);
      int ties = Exposure.countAtOrBelow(sorted, s) - below - 1;
      double rank = 1 + below + ties / 2.0;
      double extrapolated = fit.map(f -> f.lowerTailBits(s)).orElse(Double.NaN);
      results.add(
          new CanaryExposure(c, s, rank, Exposure.fromRank(log2n, rank), false, extrapolated));
    }
    return new ModelExposures(model, ModelExposures.Method.EXACT, n, fit, results);
  }

  /**
   * Scores a uniform sample of {@code sampleSize} candidates, drawn from R without replacement, and
   * the canaries. A canary's rank is estimated as 1 + (|R| - 1) p, where p is the fraction of the
   * sample (itself left out) scoring below it, ties counting half; its extrapolated exposure is
   * -log2 F(score) under the skew-normal F fitted to the sample by maximum likelihood.
   */
  public static ModelExposures sampled(
      String model,
      CanaryPlan plan,
      CandidateScorer scorer,
      int sampleSize,
      CryptoRandom random,
      int batchSize) {
    CanaryFormat format = plan.format();
    long n = format.spaceSize();
    Checks.require(
        sampleSize >= SkewNormalFit.MIN_SAMPLE && sampleSize <= n,
        "the candidate sample's size must be in "
            + SkewNormalFit.MIN_SAMPLE
            + ".."
            + n
            + "; provided value: "
            + sampleSize);
    long[] sample = UniformIndices.subset(random, n, sampleSize);
    double[] sampleScores =
        score(scorer, sample.length, k -> format.text(sample[(int) k]), batchSize);
    List<Canary> canaries = plan.canaries();
    double[] canaryScores =
        score(scorer, canaries.size(), k -> canaries.get((int) k).text(), batchSize);
    SkewNormal fit = SkewNormalFit.maximumLikelihood(sampleScores);
    double[] sorted = sampleScores.clone();
    Arrays.sort(sorted);
    double log2n = format.log2SpaceSize();
    List<CanaryExposure> results = new ArrayList<>();
    for (int i = 0; i < canaries.size(); i++) {
      Canary c = canaries.get(i);
      double s = canaryScores[i];
      double below = Exposure.countBelow(sorted, s);
      double ties = Exposure.countAtOrBelow(sorted, s) - below;
      int others = sampleSize;
      for (int k = 0; k < sample.length; k++) {
        if (sample[k] == c.index()) {
          others--;
          if (sampleScores[k] < s) {
            below--;
          } else if (sampleScores[k] == s) {
            ties--;
          }
        }
      }
      double fraction = (below + ties / 2) / others;
      boolean beyondSample = fraction == 0;
      if (beyondSample) {
        fraction = 1.0 / others;
      }
      double rank = 1 + (n - 1) * fraction;
      results.add(
          new CanaryExposure(
              c, s, rank, Exposure.fromRank(log2n, rank), beyondSample, fit.lowerTailBits(s)));
    }
    return new ModelExposures(
        model, ModelExposures.Method.SAMPLED, sampleSize, Optional.of(fit), results);
  }

  /** The scores of texts 0..count-1, in batches, each checked to be a finite number. */
  private static double[] score(
      CandidateScorer scorer, long count, LongFunction<String> text, int batchSize) {
    Checks.positive("the scoring batch size", batchSize);
    double[] scores = new double[Math.toIntExact(count)];
    List<String> batch = new ArrayList<>(batchSize);
    for (int from = 0; from < scores.length; from += batchSize) {
      int to = Math.min(scores.length, from + batchSize);
      batch.clear();
      for (int k = from; k < to; k++) {
        batch.add(text.apply(k));
      }
      double[] got = scorer.logPerplexities(batch);
      if (got.length != batch.size()) {
        throw new IllegalStateException(
            "the scorer returned "
                + got.length
                + " log-perplexities for "
                + batch.size()
                + " texts");
      }
      for (int k = 0; k < got.length; k++) {
        if (!Double.isFinite(got[k])) {
          // The text is not shown: it may be a canary, whose secret stays out of logs.
          throw new InvalidInputException(
              "the scorer returned a log-perplexity of " + got[k] + " (text " + (from + k) + ")");
        }
        // +0.0 turns -0.0 into 0.0, which sorting would otherwise order before 0.0.
        scores[from + k] = got[k] + 0.0;
      }
    }
    return scores;
  }
}
