package org.sparkdpsgd.train;

/**
 * How the learning rate changes over the run, as a factor on it ({@link
 * org.sparkdpsgd.optim.Optimizer#step(double[], double[], double)}): for SGD and momentum the
 * (noisy, averaged) gradient is scaled, Adam scales its step.
 */
enum LearningRateSchedule {
  CONSTANT,
  /** Decays from 1 to 0 over the run: ½ (1 + cos(π (t − 1) / T)) at step t of T. */
  COSINE;

  double factor(long t, long steps) {
    return this == CONSTANT ? 1.0 : 0.5 * (1 + Math.cos(Math.PI * (t - 1) / steps));
  }
}
