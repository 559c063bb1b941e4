package org.sparkdpsgd.optim;

/**
 * Life cycle: created by {@link OptimizerSpec#create(int)} for a parameter count, then {@link
 * #step} once per training step with the (already noised and averaged) gradient; {@link #state}
 * exposes the moment vectors for checkpoints.
 */
public interface Optimizer {
  /** Updates {@code params} in place from {@code gradient}. */
  void step(double[] params, double[] gradient);

  /** Internal state (velocity, moments, step count) for checkpoints; may be empty. */
  double[][] state();
}
