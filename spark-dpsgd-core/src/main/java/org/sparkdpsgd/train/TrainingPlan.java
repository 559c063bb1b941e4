package org.sparkdpsgd.train;

import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.GaussianEvent;
import org.sparkdpsgd.privacy.NoiseCalibration;
import org.sparkdpsgd.privacy.PoissonSampledEvent;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The concrete numbers of a run, fixed before the first step: sampling rate q, number of steps T,
 * noise multiplier σ (calibrated from a target ε if one was given) and the ε that T steps will
 * spend. Every user error in the combination of knobs is found here, before any privacy is spent.
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
    String warning) {

  public static TrainingPlan resolve(DpSgdConfig c, long n) {
    c.requireComplete();
    if (n <= 0) {
      throw new InvalidInputException("the training data is empty");
    }
    double q;
    if (c.expectedBatchSize > 0) {
      if (c.expectedBatchSize > n) {
        throw new InvalidInputException(
            "expectedBatchSize must be <= the number of training examples ("
                + n
                + "); provided value: "
                + c.expectedBatchSize);
      }
      q = (double) c.expectedBatchSize / n;
    } else {
      q = c.samplingRate;
    }
    long steps = c.steps > 0 ? c.steps : (long) Math.ceil(c.epochs / q);
    double epochs = steps * q;
    String warning = null;
    if (!c.nonPrivate && c.delta >= 1.0 / n) {
      warning =
          "delta = "
              + c.delta
              + " is not below 1/N = "
              + (1.0 / n)
              + ": a mechanism that publishes one random example meets such a delta; use delta < 1/N";
    }
    double sigma;
    double epsilon;
    if (c.nonPrivate) {
      sigma = 0;
      epsilon = Double.POSITIVE_INFINITY;
    } else {
      if (Double.isNaN(c.noiseMultiplier)) {
        sigma =
            NoiseCalibration.calibrateNoiseMultiplier(
                c.targetEpsilon, c.delta, q, steps, c.accountant);
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
      epsilon = c.accountant.create().compose(runEvent(q, sigma, steps)).getEpsilon(c.delta);
    }
    return new TrainingPlan(
        n, q, q * n, steps, epochs, sigma, c.l2NormClip, c.delta, epsilon, c.nonPrivate, warning);
  }

  /** The privacy event of one step: a Poisson-sampled Gaussian mechanism. */
  public static DpEvent stepEvent(double q, double sigma) {
    return new PoissonSampledEvent(q, new GaussianEvent(sigma));
  }

  static DpEvent runEvent(double q, double sigma, long steps) {
    return new SelfComposedEvent(stepEvent(q, sigma), Math.toIntExact(steps));
  }

  public DpEvent stepEvent() {
    return stepEvent(samplingRate, noiseMultiplier);
  }
}
