package org.sparkdpsgd.noise;

import org.sparkdpsgd.util.CryptoRandom;

/**
 * Gaussian noise from a cryptographically secure stream, hardened against floating-point attacks.
 *
 * <p>Mironov (CCS 2012) showed that textbook floating-point noise leaks the input through the
 * pattern of representable outputs. We "snap" to a grid: both the value and the noise are rounded
 * to multiples of a power-of-two granularity γ ≈ σ·2^-40, so the released value is an exact
 * multiple of γ whatever the input was. Rounding the input moves it by at most γ/2 per coordinate,
 * a negligible change of sensitivity (√d·γ/2 ≪ C) that the noise standard deviation swamps. Normal
 * variates come from the polar method on 53-bit uniforms.
 */
final class SecureGaussianNoise implements NoiseSource {
  private final CryptoRandom random;
  private final boolean secretKey;
  private double spare;
  private boolean hasSpare;

  /**
   * @param secretKey whether the stream's key is secret (false for the seeded testing source)
   */
  SecureGaussianNoise(CryptoRandom random, boolean secretKey) {
    this.random = random;
    this.secretKey = secretKey;
  }

  /** Noise values that are exact multiples of the granularity. */
  @Override
  public double[] sample(int n, double stddev) {
    double[] noise = new double[n];
    if (stddev == 0) {
      return noise;
    }
    double granularity = granularity(stddev);
    for (int k = 0; k < n; k++) {
      noise[k] = Math.rint(stddev * nextStandardNormal() / granularity) * granularity;
    }
    return noise;
  }

  /**
   * Snaps each value to the grid, then adds the (on-grid) noise: the sum is on the grid exactly.
   */
  @Override
  public void add(double[] values, double[] noise, double stddev) {
    if (stddev == 0) {
      return;
    }
    double granularity = granularity(stddev);
    for (int k = 0; k < values.length; k++) {
      values[k] = Math.rint(values[k] / granularity) * granularity + noise[k];
    }
  }

  /** The smallest power of two ≥ stddev · 2^-40. */
  static double granularity(double stddev) {
    int exponent = Math.getExponent(stddev) - 40;
    return Math.scalb(1.0, exponent + 1);
  }

  double nextStandardNormal() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double u;
    double v;
    double s;
    do {
      u = 2 * random.nextDouble() - 1;
      v = 2 * random.nextDouble() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double factor = Math.sqrt(-2 * Math.log(s) / s);
    spare = v * factor;
    hasSpare = true;
    return u * factor;
  }

  @Override
  public boolean secure() {
    return secretKey;
  }
}
