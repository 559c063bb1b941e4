package org.sparkdpsgd.noise;

/**
 * Gaussian noise for the aggregated clipped sum, added on the driver, once per step. Production
 * code gets {@link NoiseSources#secure()}; the other sources are for tests and say so in their
 * names.
 */
public interface NoiseSource {
  /**
   * Draws n independent N(0, stddev²) values. They do not depend on any data, so the trainer may
   * draw the next step's noise while the cluster computes (see {@link NoisePrefetcher}).
   */
  double[] sample(int n, double stddev);

  /** Adds previously drawn {@code noise} (from {@link #sample}) to {@code values}. */
  default void add(double[] values, double[] noise, double stddev) {
    for (int k = 0; k < values.length; k++) {
      values[k] += noise[k];
    }
  }

  /** Adds independent N(0, stddev²) noise to every element of {@code values}. */
  default void addNoise(double[] values, double stddev) {
    add(values, sample(values.length, stddev), stddev);
  }

  /** Whether the noise is unpredictable (reported in the privacy report). */
  boolean secure();
}
