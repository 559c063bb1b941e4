package org.sparkdpsgd.noise;

/**
 * Adds Gaussian noise to the aggregated clipped sum, on the driver, once per step. Production
 * code gets {@link NoiseSources#secure()}; the other sources are for tests and say so in their
 * names.
 */
public interface NoiseSource {
  /** Adds independent N(0, stddev²) noise to every element of {@code values}. */
  void addNoise(double[] values, double stddev);

  /** Whether the noise is unpredictable (reported in the privacy report). */
  boolean secure();
}
