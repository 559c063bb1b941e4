package org.sparkdpsgd.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Many independent secure streams under one AES-256 key: stream n is AES in counter mode with the
 * 64-bit nonce n, i.e. the blocks AES_k(n ‖ 0), AES_k(n ‖ 1), ... (nonce and counter big-endian,
 * the standard CTR layout with a 64-bit counter). Distinct (nonce, counter) pairs are distinct AES
 * inputs, so every block of every stream is a separate output of a pseudorandom permutation under a
 * secret key: the streams are as unpredictable and as independent of each other as {@link
 * CryptoRandom}'s. Why not one {@link CryptoRandom} per stream: each one hashes its key, looks up
 * and initialises a cipher and encrypts 8 KiB ahead, about 10 µs, which Poisson sampling of a block
 * that keeps one row or none does not need; here a stream costs the few AES blocks it uses. One
 * instance per thread.
 */
public final class CounterStreams {
  /** AES blocks encrypted at a time: the first refill is small, later ones grow to 512. */
  private static final int FIRST_BLOCKS = 4;

  private static final int MAX_BLOCKS = 512;

  private final Cipher aes;
  private final ByteBuffer counters = ByteBuffer.allocate(16 * MAX_BLOCKS);
  private final ByteBuffer out =
      ByteBuffer.allocate(16 * MAX_BLOCKS).order(ByteOrder.LITTLE_ENDIAN);
  private long nonce;
  private long nextCounter;
  private int refillBlocks;

  /** Streams keyed by SHA-256(domain, secret, parts...), as {@link CryptoRandom#derived}. */
  public static CounterStreams derived(String domain, byte[] secret, long... parts) {
    return new CounterStreams(CryptoRandom.derivedKey(domain, secret, parts));
  }

  private CounterStreams(byte[] key32) {
    try {
      aes = Cipher.getInstance("AES/ECB/NoPadding");
      aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key32, "AES"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES is not available in this JVM", e);
    }
    start(0);
  }

  /** Starts reading stream {@code n} from its beginning. */
  public CounterStreams start(long n) {
    nonce = n;
    nextCounter = 0;
    refillBlocks = FIRST_BLOCKS;
    out.position(0).limit(0);
    return this;
  }

  /** The next 64 bits of the current stream (little-endian, as {@link CryptoRandom#nextLong}). */
  public long nextLong() {
    if (out.remaining() < 8) {
      refill();
    }
    return out.getLong();
  }

  /** Uniform on (0, 1]: safe to take the logarithm of. */
  public double nextDoubleOpenZero() {
    return ((nextLong() >>> 11) + 1) * 0x1.0p-53;
  }

  private void refill() {
    int blocks = refillBlocks;
    counters.clear();
    for (int k = 0; k < blocks; k++) {
      counters.putLong(nonce).putLong(nextCounter++);
    }
    try {
      aes.doFinal(counters.array(), 0, 16 * blocks, out.array(), 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    out.position(0).limit(16 * blocks);
    refillBlocks = Math.min(MAX_BLOCKS, 2 * refillBlocks);
  }
}
