package org.sparkdpsgd.sampling;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * The secret that fixes every Poisson sample of one training run. Privacy amplification by sampling
 * assumes the adversary does not know who was sampled, so by default it comes from {@link
 * SecureRandom}; a chosen key exists only through {@link #forTesting(long)}. It is shipped to the
 * executors (inside the step's closure) and must never be written to logs or reports.
 */
public final class SamplingKey implements Serializable {
  private final byte[] secret;

  private SamplingKey(byte[] secret) {
    this.secret = secret;
  }

  public static SamplingKey secure() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return new SamplingKey(s);
  }

  /** Reproducible samples for tests and debugging; gives no protection of who was sampled. */
  public static SamplingKey forTesting(long seed) {
    return new SamplingKey(ByteBuffer.allocate(8).putLong(seed).array());
  }

  byte[] secret() {
    return secret;
  }

  @Override
  public String toString() {
    return "SamplingKey(secret)";
  }
}
