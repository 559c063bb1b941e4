package org.sparkdpsgd.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A cryptographically secure pseudo-random stream: AES-256 in counter mode (the construction of
 * NIST's CTR_DRBG), keyed by 32 secret bytes. It is as unpredictable as its key, and much faster
 * than calling {@link SecureRandom} for every number (a DP step needs hundreds of thousands of
 * Gaussians; AES runs on the CPU's AES instructions). Keys come from {@link SecureRandom} or are
 * derived from a secret run key with SHA-256, so a retried Spark task can re-create its stream.
 */
public final class CryptoRandom {
  private static final double DOUBLE_UNIT = 0x1.0p-53;

  /** Bytes encrypted at a time: a refill per 1024 longs keeps the cipher call's overhead small. */
  private static final int BLOCK_BYTES = 8192;

  private final Cipher cipher;
  private final byte[] zeros = new byte[BLOCK_BYTES];
  private final byte[] keystream = new byte[BLOCK_BYTES];
  private final LongBuffer keystreamLongs =
      ByteBuffer.wrap(keystream).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();

  /**
   * The keystream as little-endian longs, read by index: a ByteBuffer's getLong per call cost more
   * than the AES that made the bytes (the Gaussian sampler takes one long per value).
   */
  private final long[] longs = new long[BLOCK_BYTES / 8];

  private int next = longs.length;

  private CryptoRandom(byte[] key32) {
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(
          Cipher.ENCRYPT_MODE, new SecretKeySpec(key32, "AES"), new IvParameterSpec(new byte[16]));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CTR is not available in this JVM", e);
    }
  }

  /** A stream keyed from the operating system's secure source. */
  public static CryptoRandom fromSecureSeed() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return new CryptoRandom(key);
  }

  /**
   * A stream keyed by SHA-256(domain, secret, parts...). Different parts give independent streams;
   * the same parts give the same stream (what a retried task needs).
   */
  public static CryptoRandom derived(String domain, byte[] secret, long... parts) {
    return new CryptoRandom(derivedKey(domain, secret, parts));
  }

  /** SHA-256(domain, 0, secret, parts as big-endian longs): a 32-byte key. */
  static byte[] derivedKey(String domain, byte[] secret, long... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(domain.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(secret);
      ByteBuffer b = ByteBuffer.allocate(8 * parts.length);
      for (long p : parts) {
        b.putLong(p);
      }
      sha.update(b.array());
      return sha.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  /** The next 8 bytes of the keystream, little-endian. */
  public long nextLong() {
    if (next == longs.length) {
      refill();
    }
    return longs[next++];
  }

  /**
   * Fills {@code out} with the next {@code out.length} longs: the same values as that many calls of
   * {@link #nextLong}, for loops that would otherwise carry this stream's position through memory
   * from one call to the next.
   */
  public void nextLongs(long[] out) {
    int done = 0;
    while (done < out.length) {
      if (next == longs.length) {
        refill();
      }
      int m = Math.min(longs.length - next, out.length - done);
      System.arraycopy(longs, next, out, done, m);
      next += m;
      done += m;
    }
  }

  /** Uniform on {k / 2^53 : k = 0 .. 2^53 - 1}. */
  public double nextDouble() {
    return (nextLong() >>> 11) * DOUBLE_UNIT;
  }

  /** Uniform on (0, 1]: safe to take the logarithm of. */
  public double nextDoubleOpenZero() {
    return ((nextLong() >>> 11) + 1) * DOUBLE_UNIT;
  }

  private void refill() {
    try {
      cipher.update(zeros, 0, zeros.length, keystream, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    keystreamLongs.clear();
    keystreamLongs.get(longs);
    next = 0;
  }
}
