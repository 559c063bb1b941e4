package org.sparkdpsgd.optim;

/**
 * Life cycle: created by {@link OptimizerSpec#create(int)} for a parameter count, then {@link
 * #step} once per training step with the (already noised and averaged) gradient; {@link #state}
 * exposes the moment vectors for checkpoints.
 */
public interface Optimizer {
  /** Updates {@code params} in place from {@code gradient}. */
  void step(double[] params, double[] gradient);

  /**
   * A step at {@code rateFactor} times the learning rate (a schedule's factor). For SGD and
   * momentum that is the step on the gradient scaled by the factor; Adam, whose update does not
   * change when its gradient is scaled, overrides this to scale its rate.
   */
  default void step(double[] params, double[] gradient, double rateFactor) {
    if (rateFactor != 1.0) {
      for (int k = 0; k < gradient.length; k++) {
        gradient[k] *= rateFactor;
      }
    }
    step(params, gradient);
  }

  /** Internal state (velocity, moments, step count) for checkpoints; may be empty. */
  double[][] state();

  /** Sets the internal state to one {@link #state} returned (resuming from a checkpoint). */
  default void restore(double[][] state) {
    double[][] mine = state();
    if (state.length != mine.length) {
      throw new IllegalArgumentException(
          "optimizer state has " + state.length + " arrays; expected " + mine.length);
    }
    for (int k = 0; k < mine.length; k++) {
      if (state[k].length != mine[k].length) {
        throw new IllegalArgumentException(
            "optimizer state array "
                + k
                + " has "
                + state[k].length
                + " values; expected "
                + mine[k].length);
      }
      System.arraycopy(state[k], 0, mine[k], 0, mine[k].length);
    }
  }
}
