package org.sparkdpsgd.model;

/**
 * A language model's score of each window: the sum of log p(target) over the window's targets that
 * are not padding (natural log), and how many such targets there are (the mean is {@code
 * logLikelihoods[i] / targets[i]} where {@code targets[i] > 0}).
 */
public record WindowScores(double[] logLikelihoods, int[] targets) {}
