package org.sparkdpsgd.audit;

import java.nio.charset.StandardCharsets;
import org.sparkdpsgd.clip.ClipFactors;
import org.sparkdpsgd.train.SumAudit;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.CryptoRandom;

/**
 * White-box gradient canaries for the one-run audit (Steinke, Nasr and Jagielski 2023): m Dirac
 * canaries, canary i a gradient of norm {@code rawNorm} along its own extra coordinate (so that no
 * real example's gradient lands on it). Each is included in the run independently with probability
 * ½ (the membership the auditor must guess); an included canary is then Poisson-sampled at every
 * step with the run's rate q, like any example, and clipped by the engine's rule before the noise
 * is added. Its score is the sum over the steps of its coordinate of the noisy sum: about (times
 * sampled)·C for an included canary, 0 for an excluded one, plus noise of σC per step.
 *
 * <p>Both the membership and the per-step samples come from a secure stream (or, for tests, one
 * derived from a seed); the scores are the only thing the audit reads back.
 */
public final class GradientCanaries implements SumAudit {
  private final boolean[] included;
  private final double[] scores;
  private final double samplingRate;
  private final double rawNorm;
  private final CryptoRandom sampling;

  private GradientCanaries(int m, double samplingRate, double rawNorm, CryptoRandom random) {
    if (m < 2) {
      throw Checks.fail("the number of canaries", ">= 2", m);
    }
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw Checks.fail("the canaries' sampling rate", "in (0, 1]", samplingRate);
    }
    if (!(rawNorm > 0 && Double.isFinite(rawNorm))) {
      throw Checks.fail("the canaries' gradient norm", "finite and > 0", rawNorm);
    }
    this.included = new boolean[m];
    for (int i = 0; i < m; i++) {
      included[i] = random.nextDouble() < 0.5;
    }
    this.scores = new double[m];
    this.samplingRate = samplingRate;
    this.rawNorm = rawNorm;
    this.sampling = random;
  }

  /** Membership and samples from the operating system's secure source. */
  public static GradientCanaries secure(int m, double samplingRate, double rawNorm) {
    return new GradientCanaries(m, samplingRate, rawNorm, CryptoRandom.fromSecureSeed());
  }

  /** Reproducible membership and samples, for tests. */
  public static GradientCanaries seededForTesting(
      int m, double samplingRate, double rawNorm, long seed) {
    return new GradientCanaries(
        m,
        samplingRate,
        rawNorm,
        CryptoRandom.derived(
            "spark-dpsgd gradient canaries", "test".getBytes(StandardCharsets.UTF_8), seed));
  }

  @Override
  public int extraCoordinates() {
    return included.length;
  }

  @Override
  public void addClipped(long step, double clip, double[] sum, int offset) {
    // The engine's clipping rule, applied to the canary's gradient as to any example's.
    double contribution =
        rawNorm * ClipFactors.fromSquaredNorms(new double[] {rawNorm * rawNorm}, clip)[0];
    for (int i = 0; i < included.length; i++) {
      if (included[i] && sampling.nextDouble() < samplingRate) {
        sum[offset + i] += contribution;
      }
    }
  }

  @Override
  public void observe(long step, double[] noisySum, int offset) {
    for (int i = 0; i < scores.length; i++) {
      scores[i] += noisySum[offset + i];
    }
  }

  public int size() {
    return included.length;
  }

  /** Which canaries were in the run (the audit's ground truth); a copy. */
  public boolean[] included() {
    return included.clone();
  }

  /** Each canary's score so far; a copy. */
  public double[] scores() {
    return scores.clone();
  }

  public double rawNorm() {
    return rawNorm;
  }
}
