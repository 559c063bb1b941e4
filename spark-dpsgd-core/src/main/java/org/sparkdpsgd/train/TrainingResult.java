package org.sparkdpsgd.train;

import java.util.List;
import org.sparkdpsgd.model.ModelSpec;

/** A trained model's parameters with its privacy report and per-step metrics. */
public record TrainingResult(ModelSpec spec, double[] params, PrivacyReport privacy,
    List<StepMetrics> metrics, double wallSeconds, StepTimings timings) {}
