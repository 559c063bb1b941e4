package org.sparkdpsgd.audit;

/**
 * One canary: a random secret in its format, and how many times its text goes into the training
 * records. {@link #toString} leaves the secret out, so that a canary logged by accident does not
 * hand the secret to whoever reads the log.
 *
 * @param index the secret's number in the format's space R
 * @param secret the secret's digits
 * @param text the prefix followed by the secret: the record inserted into the training text
 * @param insertions how many copies of {@code text} are inserted
 */
public record Canary(long index, String secret, String text, int insertions) {
  @Override
  public String toString() {
    return "Canary(insertions=" + insertions + ", secret hidden)";
  }
}
