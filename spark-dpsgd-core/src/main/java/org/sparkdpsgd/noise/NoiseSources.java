package org.sparkdpsgd.noise;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.sparkdpsgd.util.CryptoRandom;

/** Where noise sources come from. Only {@link #secure()} gives a privacy guarantee. */
public final class NoiseSources {
  private NoiseSources() {}

  /** Gaussian noise keyed from the operating system's secure random source. */
  public static NoiseSource secure() {
    return new SecureGaussianNoise(CryptoRandom.fromSecureSeed(), true);
  }

  /**
   * Reproducible Gaussian noise for tests. Gives no privacy: anyone with the seed can subtract it.
   */
  public static NoiseSource seededForTesting(long seed) {
    byte[] key = ByteBuffer.allocate(8).putLong(seed).array();
    return new SecureGaussianNoise(CryptoRandom.derived("testing-noise", key), false);
  }

  /** Adds nothing; for tests that compare a distributed step with a local computation. */
  public static NoiseSource zeroForTesting() {
    return new NoiseSource() {
      @Override
      public double[] sample(int n, double stddev) {
        return new double[n];
      }

      @Override
      public boolean secure() {
        return false;
      }
    };
  }

  /** Wraps a source and counts how many times noise was added (tests: once per step). */
  public static final class CountingForTesting implements NoiseSource {
    private final NoiseSource inner;
    private final AtomicInteger calls = new AtomicInteger();

    public CountingForTesting(NoiseSource inner) {
      this.inner = inner;
    }

    @Override
    public double[] sample(int n, double stddev) {
      return inner.sample(n, stddev);
    }

    /** Counts additions: the noise reaching the update, whether drawn ahead or not. */
    @Override
    public void add(double[] values, double[] noise, double stddev) {
      calls.incrementAndGet();
      inner.add(values, noise, stddev);
    }

    @Override
    public boolean secure() {
      return false;
    }

    public int calls() {
      return calls.get();
    }
  }
}
