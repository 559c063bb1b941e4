package org.sparkdpsgd.util;

/**
 * Validation helpers with one uniform message shape: "NAME must be CONDITION; provided value: V".
 * Value objects call these in their constructors so a bad value fails where it enters.
 */
public final class Checks {
  private Checks() {}

  public static double positive(String name, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw fail(name, "> 0 and finite", value);
    }
    return value;
  }

  public static double nonNegative(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw fail(name, ">= 0 and finite", value);
    }
    return value;
  }

  /** value in (0, 1]. */
  public static double probability(String name, double value) {
    if (!(value > 0 && value <= 1)) {
      throw fail(name, "in (0, 1]", value);
    }
    return value;
  }

  /** value in [0, 1]. */
  public static double closedProbability(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw fail(name, "in [0, 1]", value);
    }
    return value;
  }

  /** value in (0, 1). */
  public static double openProbability(String name, double value) {
    if (!(value > 0 && value < 1)) {
      throw fail(name, "in (0, 1)", value);
    }
    return value;
  }

  public static long positive(String name, long value) {
    if (value <= 0) {
      throw fail(name, "> 0", value);
    }
    return value;
  }

  public static int positive(String name, int value) {
    if (value <= 0) {
      throw fail(name, "> 0", value);
    }
    return value;
  }

  public static long nonNegative(String name, long value) {
    if (value < 0) {
      throw fail(name, ">= 0", value);
    }
    return value;
  }

  public static void require(boolean condition, String message) {
    if (!condition) {
      throw new InvalidInputException(message);
    }
  }

  public static InvalidInputException fail(String name, String condition, Object value) {
    return new InvalidInputException(name + " must be " + condition + "; provided value: " + value);
  }
}
