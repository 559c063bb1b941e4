package org.sparkdpsgd.jobs;

import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Sampling rate and steps from either (--sampling-rate, --steps) or (--n, --batch-size, --epochs).
 */
record SamplingArgs(double samplingRate, long steps) {
  static SamplingArgs resolve(
      Long n, Long batchSize, Double epochs, Double samplingRate, Long steps) {
    double q;
    if (samplingRate != null) {
      if (n != null || batchSize != null) {
        throw new InvalidInputException(
            "give either --sampling-rate or --n with --batch-size, not both");
      }
      q = Checks.probability("--sampling-rate", samplingRate);
    } else {
      if (n == null || batchSize == null) {
        throw new InvalidInputException("give --sampling-rate, or both --n and --batch-size");
      }
      Checks.positive("--n", n);
      Checks.positive("--batch-size", batchSize);
      if (batchSize > n) {
        throw new InvalidInputException(
            "--batch-size must be <= --n (" + n + "); provided value: " + batchSize);
      }
      q = (double) batchSize / n;
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
    return new SamplingArgs(q, t);
  }
}
