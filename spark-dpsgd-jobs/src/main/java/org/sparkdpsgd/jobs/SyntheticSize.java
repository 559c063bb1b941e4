package org.sparkdpsgd.jobs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparkdpsgd.util.InvalidInputException;

/** The size of made-up bench data, given as ROWSxFEATURES (e.g. {@code 6000000x100}). */
record SyntheticSize(long rows, int features) {
  private static final Pattern FORM = Pattern.compile("(\\d{1,18})[xX](\\d{1,9})");

  /** Features beyond this would make a single row's block alone larger than Java arrays allow. */
  static final int MAX_FEATURES = 1 << 24;

  /** Parses {@code value}; {@code where} names the option it came from, for the error. */
  static SyntheticSize parse(String value, String where) {
    Matcher m = FORM.matcher(value.trim().replace("_", "").replace(",", ""));
    if (!m.matches()) {
      throw new InvalidInputException(
          where
              + " must be ROWSxFEATURES in whole numbers, e.g. 6000000x100; provided value: '"
              + value
              + "'");
    }
    long rows = Long.parseLong(m.group(1));
    long features = Long.parseLong(m.group(2));
    if (rows < 1 || features < 1 || features > MAX_FEATURES) {
      throw new InvalidInputException(
          where
              + " needs at least 1 row and 1 to "
              + MAX_FEATURES
              + " features; provided value: '"
              + value
              + "'");
    }
    return new SyntheticSize(rows, (int) features);
  }

  @Override
  public String toString() {
    return rows + "x" + features;
  }
}
