package org.sparkdpsgd.train;

/**
 * What is known after one step. {@code loss} is NaN unless the run was asked to leak it ({@code
 * training.debug-leak-training-loss}): the sampled batch's summed loss divided by the expected
 * batch size, computed without noise, so outside the privacy guarantee.
 */
public record StepMetrics(
    long step,
    long totalSteps,
    double loss,
    double epsilon,
    double elapsedSeconds,
    double examplesPerSecond) {}
