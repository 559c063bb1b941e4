package org.sparkdpsgd.ledger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a run's resolved settings, as a ledger entry records it: two entries with the same
 * fingerprint were the same configuration (the CLI hashes the whole resolved HOCON config, MLlib
 * the settings a checkpoint must match).
 */
public final class ConfigFingerprint {
  private ConfigFingerprint() {}

  public static String sha256(String text) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(d.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
