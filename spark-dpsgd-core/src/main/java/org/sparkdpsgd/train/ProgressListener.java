package org.sparkdpsgd.train;

/** Receives the metrics of every step (on the driver). */
public interface ProgressListener {
  void onStep(StepMetrics metrics);

  /** A one-line note about the run (never about individual examples). */
  default void onNote(String note) {}

  ProgressListener NONE = m -> {};
}
