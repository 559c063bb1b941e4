package org.sparkdpsgd.util;

import java.util.function.Supplier;

/**
 * Spark wraps an exception thrown inside a task in a {@code SparkException} on the driver. A user's
 * mistake found on an executor (a NaN in row 4,711) must still reach the user as the original
 * one-line message, so we look for it in the cause chain and rethrow it.
 */
public final class UserErrors {
  private UserErrors() {}

  public static <T> T unwrapping(Supplier<T> sparkAction) {
    try {
      return sparkAction.get();
    } catch (Exception e) { // SparkException is checked, yet Scala code throws it from anywhere
      InvalidInputException user = find(e);
      if (user != null) {
        throw new InvalidInputException(user.getMessage(), e);
      }
      throw UserErrors.<RuntimeException>sneaky(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Exception> E sneaky(Exception e) throws E {
    throw (E) e;
  }

  private static final String MARKER = InvalidInputException.class.getName() + ": ";

  /**
   * The first {@link InvalidInputException} in the cause chain, or null. When Spark reports a task
   * failure only as text ("... Lost task 0.0 ...: org.sparkdpsgd...InvalidInputException: msg"),
   * the message is recovered from that text.
   */
  public static InvalidInputException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof InvalidInputException u) {
        return u;
      }
      String text = c.getMessage();
      int at = text == null ? -1 : text.indexOf(MARKER);
      if (at >= 0) {
        String rest = text.substring(at + MARKER.length());
        int end = rest.indexOf('\n');
        return new InvalidInputException(end < 0 ? rest : rest.substring(0, end), c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
