package org.sparkdpsgd.train;

/** Receives the metrics of every step (on the driver). */
public interface ProgressListener {
  void onStep(StepMetrics metrics);

  ProgressListener NONE = m -> {};
}
