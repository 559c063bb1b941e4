package org.sparkdpsgd.text;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The side of a record, decided by its text alone: the first 8 bytes of the SHA-256 of its UTF-8
 * bytes, read as an unsigned big-endian number, modulo 100, below {@link #TEST_PERCENT} go to the
 * test set. So a record lands on the same side whatever the file order, partitioning or run, two
 * copies of one record never sit on both sides, and anyone can recompute the split with any SHA-256
 * (e.g. Python's {@code hashlib}). SHA-256 rather than a faster non-cryptographic hash because it
 * is in every JDK and specified byte for byte; its cost is small beside training.
 */
public enum CorpusSplit {
  TRAIN,
  TEST;

  public static final int TEST_PERCENT = 10;

  public static CorpusSplit of(String record) {
    return Long.remainderUnsigned(head(record), 100) < TEST_PERCENT ? TEST : TRAIN;
  }

  /** The first 8 bytes of the SHA-256 of the record's UTF-8 bytes, big-endian. */
  static long head(String record) {
    byte[] digest = sha256().digest(record.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(digest).getLong();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
