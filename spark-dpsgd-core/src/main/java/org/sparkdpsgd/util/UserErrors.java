package org.sparkdpsgd.util;

import java.util.function.Supplier;

/**
 * Spark wraps an exception thrown inside a task in a {@code SparkException} on the driver. A
 * user's mistake found on an executor (a NaN in row 4,711) must still reach the user as the
 * original one-line message, so we look for it in the cause chain and rethrow it.
 */
public final class UserErrors {
  private UserErrors() {}

  public static <T> T unwrapping(Supplier<T> sparkAction) {
    try {
      return sparkAction.get();
    } catch (RuntimeException e) {
      InvalidInputException user = find(e);
      if (user != null) {
        throw new InvalidInputException(user.getMessage(), e);
      }
      throw e;
    }
  }

  /** The first {@link InvalidInputException} in the cause chain, or null. */
  public static InvalidInputException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof InvalidInputException u) {
        return u;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
