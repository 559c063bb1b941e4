package org.sparkdpsgd.train;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;
import org.sparkdpsgd.util.Checks;

/**
 * One setting of a DP-SGD run, defined once for every face: {@code key} is the CLI/HOCON key
 * ({@code training.learning-rate}), {@code param} the MLlib param and {@link DpSgdConfig} name
 * ({@code learningRate}). {@code defaultValue} is null for a knob that is unset by default (one of
 * an exclusive pair, e.g. {@code noiseMultiplier} beside {@code targetEpsilon}). The validator
 * throws {@link org.sparkdpsgd.util.InvalidInputException} with the uniform {@link Checks} message
 * "PARAM must be CONDITION; provided value: V".
 */
public record Knob(
    String key, String param, Type type, Object defaultValue, Validator validator, String doc)
    implements Serializable {

  /** The value types a knob can have (each maps to one HOCON getter and one MLlib param class). */
  public enum Type {
    DOUBLE(Double.class),
    LONG(Long.class),
    INT(Integer.class),
    STRING(String.class),
    BOOLEAN(Boolean.class);

    private final Class<?> javaType;

    Type(Class<?> javaType) {
      this.javaType = javaType;
    }

    public Class<?> javaType() {
      return javaType;
    }
  }

  /** Throws when {@code value} is not allowed; {@code name} is the knob's param name. */
  @FunctionalInterface
  public interface Validator extends Serializable {
    void check(String name, Object value);
  }

  public Knob {
    Objects.requireNonNull(key);
    Objects.requireNonNull(param);
    Objects.requireNonNull(type);
    Objects.requireNonNull(validator);
    Objects.requireNonNull(doc);
    if (defaultValue != null && !type.javaType().isInstance(defaultValue)) {
      throw new IllegalArgumentException(key + ": default " + defaultValue + " is not a " + type);
    }
  }

  /** Validates {@code value} (null = unset is always allowed) and returns it. */
  public <T> T check(T value) {
    if (value != null) {
      if (!type.javaType().isInstance(value)) {
        throw Checks.fail(param, "a " + type.name().toLowerCase(Locale.ROOT), value);
      }
      validator.check(param, value);
    }
    return value;
  }

  /**
   * Whether {@code value}, one of a string knob's options (validated, then compared ignoring case
   * and surrounding spaces as the validator does), is {@code option}.
   */
  public boolean isOption(String value, String option) {
    return check(value).trim().toLowerCase(Locale.ROOT).equals(option);
  }

  /** Whether {@code value} passes the validator (for MLlib's boolean param validators). */
  public boolean accepts(Object value) {
    try {
      check(value);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public boolean hasDefault() {
    return defaultValue != null;
  }

  public double defaultDouble() {
    return (Double) defaultValue;
  }

  public long defaultLong() {
    return (Long) defaultValue;
  }

  public int defaultInt() {
    return (Integer) defaultValue;
  }

  public String defaultString() {
    return (String) defaultValue;
  }

  public boolean defaultBoolean() {
    return (Boolean) defaultValue;
  }
}
