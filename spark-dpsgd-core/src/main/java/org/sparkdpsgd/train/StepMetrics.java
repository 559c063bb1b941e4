package org.sparkdpsgd.train;

/**
 * What is known after one step. {@code loss} is the sampled batch's summed loss divided by the
 * expected batch size (monitoring only: it is computed without noise).
 */
public record StepMetrics(long step, long totalSteps, double loss, double epsilon, double elapsedSeconds,
    double examplesPerSecond) {}
