package org.sparkdpsgd.model;

import org.sparkdpsgd.util.InvalidInputException;

/**
 * The activation of an MLP's hidden layers (the shorthand for a list of dense + activation layers).
 */
public enum Activation {
  TANH,
  RELU;

  public static Activation parse(String name, String where) {
    for (Activation a : values()) {
      if (a.name().equalsIgnoreCase(name.trim())) {
        return a;
      }
    }
    throw new InvalidInputException(where + " must be one of relu, tanh; provided value: " + name);
  }
}
