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
