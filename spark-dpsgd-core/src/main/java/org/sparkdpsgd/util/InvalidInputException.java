package org.sparkdpsgd.util;

/**
 * A user's mistake: a bad hyperparameter, a malformed row, a missing file. The CLI prints its
 * message as one line (no stack trace) and exits non-zero; nothing has been charged when it is
 * thrown, because every check runs before the first noisy step.
 */
public class InvalidInputException extends IllegalArgumentException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
