package org.sparkdpsgd.audit;

import java.util.function.BiConsumer;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.Checks;

/**
 * The one-run audit (Steinke, Nasr and Jagielski, "Privacy Auditing with One (1) Training Run",
 * NeurIPS 2023) with white-box gradient canaries:
 *
 * <pre>
 *   canaries = m Dirac gradient canaries, each in the run with probability ½ ({@link GradientCanaries})
 *   run      = one ordinary training run of the config, the canaries riding along every step
 *   guesses  = "in" for the k highest scores, "out" for the k lowest, abstain on the rest
 *   bound    = the largest ε for which (ε, δ)-DP would make that many right guesses less likely
 *              than 1 − confidence ({@link OneRunBound}); δ is the run's
 * </pre>
 *
 * The number of guesses is fixed before the run (a k picked after seeing the scores would need a
 * correction for the choice). The bound holds for {@link #THREAT_MODEL}.
 */
public final class OneRunAudit {
  public static final String THREAT_MODEL =
      "white-box: the adversary sees every step's noisy sum of clipped gradients (what the driver"
          + " releases to the optimizer, the DP-SGD analysis's own threat model) and inserts"
          + " gradient canaries, each a gradient of norm 10 C along a coordinate of its own,"
          + " clipped by the engine";

  public static final int DEFAULT_CANARIES = 1000;
  public static final double DEFAULT_CONFIDENCE = 0.95;

  /** The canaries' gradients before clipping, in units of C: clipping must bring them down. */
  static final double RAW_NORM_IN_CLIPS = 10.0;

  private int canaries = DEFAULT_CANARIES;
  private int guessesPerSide = 0;
  private double confidence = DEFAULT_CONFIDENCE;
  private Long seed = null;
  private BiConsumer<DpSgdTrainer, TrainingPlan> beforeTraining = (t, p) -> {};

  /** m, the number of canaries (default {@value #DEFAULT_CANARIES}). */
  public OneRunAudit canaries(int m) {
    if (m < 20) {
      throw Checks.fail("the number of canaries", ">= 20", m);
    }
    this.canaries = m;
    return this;
  }

  /**
   * k: guesses "in" and "out" each (default 3m/10: with δ = 1e-5, 600 right guesses of m = 1,000
   * can show ε up to 5.3 at 95% confidence; more canaries raise the bound's δ term, 2mδ).
   */
  public OneRunAudit guessesPerSide(int k) {
    this.guessesPerSide = k;
    return this;
  }

  public OneRunAudit confidence(double c) {
    if (!(c > 0 && c < 1)) {
      throw Checks.fail("the confidence", "in (0, 1)", c);
    }
    this.confidence = c;
    return this;
  }

  /** Reproducible canaries (tests); unset, they come from the operating system's secure source. */
  public OneRunAudit seedForTesting(long s) {
    this.seed = s;
    return this;
  }

  /** Called with the trainer and its plan before the run (progress, testing hooks). */
  public OneRunAudit beforeTraining(BiConsumer<DpSgdTrainer, TrainingPlan> hook) {
    this.beforeTraining = hook;
    return this;
  }

  public int canariesCount() {
    return canaries;
  }

  public int guessesPerSide() {
    return guessesPerSide > 0 ? guessesPerSide : 3 * canaries / 10;
  }

  /** Trains {@code config} on {@code data} once with the canaries and audits it. */
  public OneRunAuditResult run(TrainingBlocks data, DpSgdConfig config) {
    int k = guessesPerSide();
    if (k < 1 || 2 * k > canaries) {
      throw Checks.fail(
          "the guesses per side", "in 1.." + canaries / 2 + " (half the canaries)", k);
    }
    DpSgdTrainer trainer = new DpSgdTrainer(config);
    TrainingPlan plan = trainer.plan(data);
    double rawNorm = RAW_NORM_IN_CLIPS * plan.l2NormClip();
    GradientCanaries gradientCanaries =
        seed == null
            ? GradientCanaries.secure(canaries, plan.samplingRate(), rawNorm)
            : GradientCanaries.seededForTesting(canaries, plan.samplingRate(), rawNorm, seed);
    trainer.audit(gradientCanaries);
    beforeTraining.accept(trainer, plan);
    TrainingResult run = trainer.fit(data);
    double[] scores = gradientCanaries.scores();
    boolean[] included = gradientCanaries.included();
    OneRunGuesses guesses = OneRunGuesses.guess(scores, included, k, k);
    double bound = guesses.epsilonLowerBound(plan.delta(), confidence);
    return new OneRunAuditResult(run, plan, scores, included, guesses, confidence, bound);
  }
}
