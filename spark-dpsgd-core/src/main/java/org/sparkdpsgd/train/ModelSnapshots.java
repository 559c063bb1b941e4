package org.sparkdpsgd.train;

/**
 * Receives the model as it would be published (the weight average when EMA is on) at chosen steps
 * during training, so that a caller can score it on PUBLIC data (the test set) and draw curves. The
 * model after a step is a post-processing of the noisy sums released so far: looking at it costs no
 * privacy; scoring it on training data would.
 */
public interface ModelSnapshots {
  /**
   * @param step the step just completed (1-based)
   * @param epsilon the ε spent so far (the progress accountant's, at the plan's δ)
   * @param params a copy of the model's parameters; the receiver may keep it
   */
  void onSnapshot(long step, double epsilon, double[] params);
}
