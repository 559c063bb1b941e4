package org.sparkdpsgd.jobs;

import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Sampling rate and steps from either (--sampling-rate, --steps) or (--n or --users, --batch-size,
 * --epochs). With --users U the unit is a user: q = batch / U is the user sampling rate,
 * --batch-size counts users per step and --epochs passes over the users, as training does with
 * data.user-col. population is N or U, or 0 when only q was given.
 */
record SamplingArgs(double samplingRate, long steps, long population, boolean userLevel) {
  static SamplingArgs resolve(
      Long n, Long users, Long batchSize, Double epochs, Double samplingRate, Long steps) {
    if (n != null && users != null) {
      throw new InvalidInputException(
          "give either --n (examples, example-level DP) or --users (users, user-level DP), not both");
    }
    boolean userLevel = users != null;
    String flag = userLevel ? "--users" : "--n";
    Long pop = userLevel ? users : n;
    double q;
    if (samplingRate != null) {
      if (pop != null || batchSize != null) {
        throw new InvalidInputException(
            "give either --sampling-rate or " + flag + " with --batch-size, not both");
      }
      q = Checks.probability("--sampling-rate", samplingRate);
    } else {
      if (pop == null || batchSize == null) {
        throw new InvalidInputException(
            "give --sampling-rate, or both " + flag + " and --batch-size");
      }
      Checks.positive(flag, pop);
      Checks.positive("--batch-size", batchSize);
      if (batchSize > pop) {
        throw new InvalidInputException(
            "--batch-size must be <= "
                + flag
                + " ("
                + pop
                + (userLevel ? "; with --users it counts users per step" : "")
                + "); provided value: "
                + batchSize);
      }
      q = (double) batchSize / pop;
    }
    long t;
    if (steps != null) {
      if (epochs != null) {
        throw new InvalidInputException("give either --steps or --epochs, not both");
      }
      t = Checks.positive("--steps", steps);
    } else {
      if (epochs == null) {
        throw new InvalidInputException("give --steps or --epochs");
      }
      t = (long) Math.ceil(Checks.positive("--epochs", epochs) / q);
    }
    return new SamplingArgs(q, t, pop == null ? 0 : pop, userLevel);
  }

  /**
   * M in [0, 4096] as training.num-microbatches, and never with --users: a user's clipped mean
   * gradient is already the unit of clipping, and the engine refuses the combination too.
   */
  static int checkMicrobatches(int numMicrobatches, Long users) {
    int max = org.sparkdpsgd.train.Knobs.MAX_MICROBATCHES;
    if (numMicrobatches < 0 || numMicrobatches > max) {
      throw Checks.fail("--num-microbatches", "in [0, " + max + "]", numMicrobatches);
    }
    if (users != null && numMicrobatches != 0) {
      throw new InvalidInputException(
          "--users and --num-microbatches cannot be combined: user-level DP clips each user's"
              + " mean gradient, microbatches are example-level; provided value: --num-microbatches "
              + numMicrobatches);
    }
    return numMicrobatches;
  }

  /**
   * σ_n of feature normalisation's release (privacy.normalisation-noise-multiplier; 0 = none), >= 0
   * and finite, refused where training refuses it (DpSgdTrainer): with microbatches, and with
   * user-level data, since the release bounds one example's features, not one user's.
   */
  static double checkNormalisation(double sigmaN, int numMicrobatches, Long users) {
    Checks.nonNegative("--normalisation-noise-multiplier", sigmaN);
    if (sigmaN > 0 && numMicrobatches != 0) {
      throw new InvalidInputException(
          "--normalisation-noise-multiplier and --num-microbatches cannot be combined: training"
              + " refuses feature normalisation with microbatches; provided value:"
              + " --num-microbatches "
              + numMicrobatches);
    }
    if (sigmaN > 0 && users != null) {
      throw new InvalidInputException(
          "--normalisation-noise-multiplier and --users cannot be combined: feature normalisation"
              + " is example-level (one example's features are bounded), training refuses it with"
              + " data.user-col; provided value: --users "
              + users);
    }
    return sigmaN;
  }
}
