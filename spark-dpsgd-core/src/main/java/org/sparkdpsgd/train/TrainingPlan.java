package org.sparkdpsgd.train;

import java.util.List;
import org.sparkdpsgd.privacy.ComposedEvent;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.GaussianEvent;
import org.sparkdpsgd.privacy.NoOpEvent;
import org.sparkdpsgd.privacy.NoiseCalibration;
import org.sparkdpsgd.privacy.PoissonSampledEvent;
import org.sparkdpsgd.privacy.PrivacyStatement;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The concrete numbers of a run, fixed before the first step: sampling rate q, number of steps T,
 * noise multiplier σ (calibrated from a target ε if one was given) and the ε that T steps will
 * spend. Every user error in the combination of knobs is found here, before any privacy is spent.
 *
 * <p>With M microbatches (TensorFlow Privacy's num_microbatches) the noise is σ·C as without them,
 * but the sensitivity of the step's sum is 2C: adding or removing one example changes the mean of
 * the one microbatch it falls in, and that microbatch's clipped mean (norm ≤ C before and after)
 * moves by up to 2C. The accountant is therefore charged for a Gaussian mechanism with noise
 * multiplier σ/2 ({@link #accountedNoiseMultiplier}), as TF Privacy's compute_dp_sgd_privacy does
 * for microbatched runs; a target ε calibrates σ/2, so σ is twice what per-example clipping needs.
 *
 * <p>User-level privacy ({@code userLevel}): the unit of privacy is a user (all their rows), so
 * {@code numExamples} counts USERS, q is the probability that a user is sampled, the expected batch
 * size is q·U users, and each user's clipped mean gradient has sensitivity C: the accounting is the
 * example-level one with users in place of examples. Microbatches are refused with it.
 *
 * <p>Feature normalisation ({@code normalisationNoiseMultiplier} σ_n > 0) releases the features'
 * statistics once, before the first step, by one Gaussian mechanism of noise multiplier σ_n
 * (sensitivity 1 in its units, {@code FeatureNormalisation}); the planned ε composes it with the T
 * steps ({@link #runEvent()}) and a target ε calibrates σ with it included. A run without privacy
 * computes exact statistics and charges nothing.
 *
 * @param numExamples the number of privacy units: examples, or users when {@code userLevel}
 * @param normalisationNoiseMultiplier σ_n of the statistics' release, or 0 without normalisation
 * @param normalisationWhitening the whitening power w (meaningful only with normalisation)
 */
public record TrainingPlan(
    long numExamples,
    double samplingRate,
    double expectedBatchSize,
    long steps,
    double epochs,
    double noiseMultiplier,
    double l2NormClip,
    double delta,
    double plannedEpsilon,
    boolean nonPrivate,
    String warning,
    int numMicrobatches,
    boolean userLevel,
    double normalisationNoiseMultiplier,
    double normalisationWhitening) {

  /**
   * Most unclipped values a step may hold per task and on the driver in microbatch mode: M sums of
   * the model's size, 2²⁶ doubles = 512 MiB.
   */
  public static final long MAX_MICROBATCH_VALUES = 1L << 26;

  public static TrainingPlan resolve(DpSgdConfig c, long n) {
    return resolve(c, n, false);
  }

  /** The plan for n privacy units: users if {@code userLevel}, else examples. */
  public static TrainingPlan resolve(DpSgdConfig c, long n, boolean userLevel) {
    c.requireComplete();
    if (n <= 0) {
      throw new InvalidInputException("the training data is empty");
    }
    String units = userLevel ? "users" : "training examples";
    if (userLevel && c.numMicrobatches > 0) {
      throw new InvalidInputException(
          "numMicrobatches (training.num-microbatches) cannot be combined with user-level privacy"
              + " (data.user-col, MLlib userCol): each user's mean gradient is already clipped as"
              + " a whole; set it to 0; provided value: "
              + c.numMicrobatches);
    }
    double q;
    if (c.expectedBatchSize > 0) {
      if (c.expectedBatchSize > n) {
        throw new InvalidInputException(
            "expectedBatchSize must be <= the number of "
                + units
                + " ("
                + n
                + "); provided value: "
                + c.expectedBatchSize);
      }
      q = (double) c.expectedBatchSize / n;
    } else {
      q = c.samplingRate;
    }
    int m = c.numMicrobatches;
    if (m > 0 && m > q * n) {
      throw new InvalidInputException(
          "numMicrobatches must be <= the expected batch size q·N = "
              + (q * n)
              + " (most microbatches would be empty); provided value: "
              + m);
    }
    long steps = c.steps > 0 ? c.steps : (long) Math.ceil(c.epochs / q);
    double epochs = steps * q;
    String warning = c.nonPrivate ? null : PrivacyStatement.deltaWarning(c.delta, n, userLevel);
    double sigmaN = c.normalisationNoiseMultiplier;
    if (sigmaN > 0 && c.initFrom != null) {
      // Saved weights take the raw features; the steps would start from them on normalised ones.
      throw new InvalidInputException(
          "feature normalisation (privacy.normalisation-noise-multiplier > 0) cannot start from"
              + " saved weights yet (model.init-from "
              + c.initFrom
              + "): they take the raw features; provided value: "
              + sigmaN);
    }
    DpEvent release = normalisationEvent(c.nonPrivate ? 0 : sigmaN);
    double sigma;
    double epsilon;
    if (c.nonPrivate) {
      sigma = 0;
      epsilon = Double.POSITIVE_INFINITY;
    } else {
      if (Double.isNaN(c.noiseMultiplier)) {
        // Microbatches: the accountant sees σ/2 (sensitivity 2C), so calibrate σ/2 and double it.
        sigma =
            sensitivityFactor(m)
                * NoiseCalibration.calibrateNoiseMultiplier(
                    c.targetEpsilon, c.delta, q, steps, c.accountant, release);
      } else {
        sigma = c.noiseMultiplier;
        if (sigma == 0) {
          // Zero noise would run the whole private machinery and report ε = ∞ as if it were a DP
          // run.
          throw new InvalidInputException(
              "noiseMultiplier must be > 0 for a private run (σ = 0 adds no noise);"
                  + " train with no-privacy for a non-private baseline; provided value: 0.0");
        }
      }
      epsilon =
          c.accountant
              .create()
              .compose(runEvent(release, q, sigma / sensitivityFactor(m), steps))
              .getEpsilon(c.delta);
    }
    return new TrainingPlan(
        n,
        q,
        q * n,
        steps,
        epochs,
        sigma,
        c.l2NormClip,
        c.delta,
        epsilon,
        c.nonPrivate,
        warning,
        m,
        userLevel,
        sigmaN,
        c.normalisationWhitening);
  }

  /** Sensitivity of a step's sum in units of C: 1 per example, 2 with microbatches. */
  public static double sensitivityFactor(int numMicrobatches) {
    return numMicrobatches > 0 ? 2.0 : 1.0;
  }

  /** The noise multiplier the accountant is charged for: σ, or σ/2 with microbatches. */
  public double accountedNoiseMultiplier() {
    return noiseMultiplier / sensitivityFactor(numMicrobatches);
  }

  /**
   * What the step's noisy sum is divided by: the expected batch size q·N per example, or M with
   * microbatches (TF Privacy's division by num_microbatches; M is fixed and public, the number of
   * non-empty microbatches is not).
   */
  public double sumDivisor() {
    return numMicrobatches > 0 ? numMicrobatches : expectedBatchSize;
  }

  /**
   * Refuses microbatches whose unclipped sums (M × parameters doubles per task and on the driver)
   * would not fit {@link #MAX_MICROBATCH_VALUES}.
   */
  public void checkMicrobatchMemory(int numParams) {
    if (numMicrobatches > 0 && (long) numMicrobatches * numParams > MAX_MICROBATCH_VALUES) {
      throw new InvalidInputException(
          "numMicrobatches must be <= "
              + (MAX_MICROBATCH_VALUES / numParams)
              + " for a model of "
              + numParams
              + " parameters (the driver keeps M unclipped sums of the model's size, at most "
              + MAX_MICROBATCH_VALUES
              + " values); provided value: "
              + numMicrobatches);
    }
  }

  /** The privacy event of one step: a Poisson-sampled Gaussian mechanism. */
  public static DpEvent stepEvent(double q, double sigma) {
    return new PoissonSampledEvent(q, new GaussianEvent(sigma));
  }

  static DpEvent runEvent(double q, double sigma, long steps) {
    return new SelfComposedEvent(stepEvent(q, sigma), Math.toIntExact(steps));
  }

  /**
   * The one-time release of the feature statistics before T steps (if any), then the steps; public
   * so that {@code dpsgd calibrate} reports the ε training will plan.
   */
  public static DpEvent runEvent(DpEvent release, double q, double sigma, long steps) {
    DpEvent run = runEvent(q, sigma, steps);
    return release instanceof NoOpEvent ? run : new ComposedEvent(List.of(release, run));
  }

  /** The release of the feature statistics: Gaussian(σ_n), or nothing when σ_n = 0. */
  public static DpEvent normalisationEvent(double sigmaN) {
    return sigmaN > 0 ? new GaussianEvent(sigmaN) : new NoOpEvent();
  }

  /** Whether the run normalises its features (σ_n > 0; exactly, without noise, if non-private). */
  public boolean normalises() {
    return normalisationNoiseMultiplier > 0;
  }

  /** The event charged once before the first step: the statistics' release, or a no-op. */
  public DpEvent normalisationEvent() {
    return normalisationEvent(nonPrivate ? 0 : normalisationNoiseMultiplier);
  }

  /** Everything the run charges: the statistics' release (if any) composed with its T steps. */
  public DpEvent runEvent() {
    return runEvent(normalisationEvent(), samplingRate, accountedNoiseMultiplier(), steps);
  }

  /** The event charged per step: σ/2 in place of σ with microbatches (sensitivity 2C). */
  public DpEvent stepEvent() {
    return stepEvent(samplingRate, accountedNoiseMultiplier());
  }
}
