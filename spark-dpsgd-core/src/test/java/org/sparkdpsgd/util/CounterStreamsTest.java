package org.sparkdpsgd.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class CounterStreamsTest {
  private static final byte[] SECRET = "a test secret, not a real one".getBytes();

  /**
   * Stream n is exactly AES-256-CTR with the initial counter block n ‖ 0, as the JDK's own CTR mode
   * computes it, across the growing refills (4, 8, 16, ... AES blocks) and after a restart.
   */
  @Test
  void streamNIsStandardCounterModeWithNonceN() throws Exception {
    byte[] key = CryptoRandom.derivedKey("test", SECRET, 7);
    CounterStreams streams = CounterStreams.derived("test", SECRET, 7);
    for (long n : new long[] {0, 5, 1L << 40, -1}) {
      int longs = 3000; // 1500 AES blocks: seven refills
      long[] reference = jdkCounterMode(key, n, longs);
      streams.start(n);
      for (int k = 0; k < longs; k++) {
        assertEquals(reference[k], streams.nextLong(), "stream " + n + ", long " + k);
      }
    }
    // A restart reads the stream again from its beginning.
    streams.start(5);
    assertEquals(jdkCounterMode(key, 5, 1)[0], streams.nextLong());
  }

  @Test
  void differentNoncesAndKeysGiveDifferentStreams() {
    CounterStreams a = CounterStreams.derived("test", SECRET, 1);
    long first = a.start(0).nextLong();
    assertNotEquals(first, a.start(1).nextLong());
    assertNotEquals(first, CounterStreams.derived("test", SECRET, 2).start(0).nextLong());
    assertNotEquals(first, CounterStreams.derived("other", SECRET, 1).start(0).nextLong());
  }

  private static long[] jdkCounterMode(byte[] key, long nonce, int longs) throws Exception {
    Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
    byte[] iv = ByteBuffer.allocate(16).putLong(nonce).putLong(0).array();
    ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
    byte[] keystream = ctr.doFinal(new byte[8 * longs]);
    ByteBuffer b = ByteBuffer.wrap(keystream).order(ByteOrder.LITTLE_ENDIAN);
    long[] out = new long[longs];
    for (int k = 0; k < longs; k++) {
      out[k] = b.getLong();
    }
    return out;
  }
}
