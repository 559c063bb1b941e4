package org.sparkdpsgd.train;

/**
 * How the learning rate changes over the run, as a factor on the (noisy, averaged) gradient. For
 * SGD and momentum, scaling the gradient is scaling the rate; Adam's update does not change when
 * its gradient is scaled, so a schedule with Adam is refused in {@link TrainingPlan#resolve}.
 */
enum LearningRateSchedule {
  CONSTANT,
  /** Decays from 1 to 0 over the run: ½ (1 + cos(π (t − 1) / T)) at step t of T. */
  COSINE;

  double factor(long t, long steps) {
    return this == CONSTANT ? 1.0 : 0.5 * (1 + Math.cos(Math.PI * (t - 1) / steps));
  }
}
