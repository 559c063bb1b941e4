package org.sparkdpsgd.train;

import java.util.List;
import org.sparkdpsgd.model.ModelSpec;

/** A trained model's parameters with its privacy report and per-step metrics. */
public record TrainingResult(
    ModelSpec spec,
    double[] params,
    PrivacyReport privacy,
    List<StepMetrics> metrics,
    double wallSeconds,
    StepTimings timings) {

  /** The same training run described by another spec with the same parameters. */
  public TrainingResult withSpec(ModelSpec other) {
    if (other.numParams() != spec.numParams()) {
      throw new IllegalArgumentException(other + " does not have the parameters of " + spec);
    }
    return new TrainingResult(other, params, privacy, metrics, wallSeconds, timings);
  }
}
