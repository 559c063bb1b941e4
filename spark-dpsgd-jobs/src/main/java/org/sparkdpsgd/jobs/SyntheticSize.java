package org.sparkdpsgd.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The size of made-up bench data, given as ROWSxFEATURES (e.g. {@code 6000000x100}; underscores may
 * group digits: {@code 6_000_000x100}).
 */
record SyntheticSize(long rows, int features) {
  private static final Pattern FORM = Pattern.compile("(\\d{1,18})[xX](\\d{1,9})");

  /** 16,777,216 features: one row is then 64 MiB, and a block of one row still fits an array. */
  static final int MAX_FEATURES = 1 << 24;

  /** Parses a comma-separated list of sizes (e.g. {@code 60000x100,6000000x100}). */
  static List<SyntheticSize> parseList(String value, String where) {
    List<SyntheticSize> sizes = new ArrayList<>();
    for (String part : value.split(",", -1)) {
      sizes.add(parse(part, value, where));
    }
    return sizes;
  }

  /** Parses {@code value}; {@code where} names the option it came from, for the error. */
  static SyntheticSize parse(String value, String where) {
    return parse(value, value, where);
  }

  private static SyntheticSize parse(String value, String given, String where) {
    Matcher m = FORM.matcher(value.trim().replace("_", ""));
    if (!m.matches()) {
      throw new InvalidInputException(
          where
              + " must be ROWSxFEATURES in whole numbers, e.g. 6000000x100 (several: separated by"
              + " commas); provided value: '"
              + given
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
              + given
              + "'");
    }
    return new SyntheticSize(rows, (int) features);
  }

  @Override
  public String toString() {
    return rows + "x" + features;
  }
}
