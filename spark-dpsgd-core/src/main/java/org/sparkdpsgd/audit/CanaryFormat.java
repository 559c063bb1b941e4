package org.sparkdpsgd.audit;

import org.sparkdpsgd.util.Checks;

/**
 * The shape of every canary and of every candidate it is ranked against: a fixed prefix followed by
 * a secret of {@code digits} decimal digits, such as "my pin is 014703". The space R of possible
 * secrets has 10^digits members, numbered by the value the digits spell.
 *
 * @param prefix the text before the secret, the same for all canaries
 * @param digits the secret's length, 1 to 18 (so that |R| fits a long)
 */
public record CanaryFormat(String prefix, int digits) {
  public static final int MAX_DIGITS = 18;

  public static CanaryFormat pin() {
    return new CanaryFormat("my pin is ", 6);
  }

  public CanaryFormat {
    Checks.require(prefix != null, "the canary prefix must be given");
    for (char c : prefix.toCharArray()) {
      Checks.require(
          c >= 32 && c <= 126,
          "the canary prefix must be printable ASCII; provided value: " + quoted(prefix));
    }
    Checks.require(
        digits >= 1 && digits <= MAX_DIGITS,
        "canary digits must be in 1.." + MAX_DIGITS + "; provided value: " + digits);
  }

  /** |R|. */
  public long spaceSize() {
    long n = 1;
    for (int k = 0; k < digits; k++) {
      n *= 10;
    }
    return n;
  }

  /** log2 |R|: the largest exposure a canary can have. */
  public double log2SpaceSize() {
    return digits * Math.log(10) / Math.log(2);
  }

  /** The secret numbered {@code index}, zero-padded to {@code digits}. */
  public String secret(long index) {
    Checks.require(
        index >= 0 && index < spaceSize(),
        "a secret's index must be in 0.." + (spaceSize() - 1) + "; provided value: " + index);
    String s = Long.toString(index);
    return "0".repeat(digits - s.length()) + s;
  }

  /** The full text of the candidate numbered {@code index}: what the model is asked to score. */
  public String text(long index) {
    return prefix + secret(index);
  }

  /** The format as a reader sees it, the secret shown as underscores: "my pin is ______". */
  public String describe() {
    return prefix + "_".repeat(digits);
  }

  private static String quoted(String s) {
    return "\"" + s.replace("\n", "\\n") + "\"";
  }
}
