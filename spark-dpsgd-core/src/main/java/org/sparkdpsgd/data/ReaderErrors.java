package org.sparkdpsgd.data;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an exception thrown inside one of Spark's file readers (LibSVM and CSV parsing, gzip,
 * Parquet) into the one-line reason a user can act on. Spark's own messages can quote the whole
 * input line ({@code line="..."}): private data, so no message text is passed on unless it is one
 * of the known shapes below, and never more than the one offending value.
 */
public final class ReaderErrors {
  private ReaderErrors() {}

  private static final Pattern LIBSVM_INDEX =
      Pattern.compile(
          "indices should be one-based and in ascending order; found current=(-?\\d+), previous=(-?\\d+)");
  private static final Pattern NUMBER = Pattern.compile("For input string: \"(.{0,40})");
  private static final Pattern READING_FILE =
      Pattern.compile("while reading file (\\S+?)\\.?(\\s|$)");
  private static final Pattern PARQUET_CONVERT =
      Pattern.compile("Column: \\[(.*?)\\], Expected: (\\S+?), Found: (\\S+?)(\\.|\\s|$)");

  /** The reason, without any data beyond the offending value. */
  public static String reason(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage();
      Matcher idx = LIBSVM_INDEX.matcher(m);
      if (idx.find()) {
        long current = Long.parseLong(idx.group(1)) + 1;
        long previous = Long.parseLong(idx.group(2)) + 1;
        return current < 1
            ? "LibSVM feature indices are 1-based; provided value: index " + current
            : "LibSVM feature indices must be ascending; provided value: index "
                + current
                + " after index "
                + previous;
      }
      Matcher parquet = PARQUET_CONVERT.matcher(m);
      if (parquet.find()) {
        return "column '"
            + parquet.group(1)
            + "' has Parquet type "
            + parquet.group(3)
            + " in this file, but "
            + parquet.group(2)
            + " is expected";
      }
      if (c instanceof NumberFormatException) {
        Matcher n = NUMBER.matcher(m);
        String value = n.find() ? n.group(1).replaceAll("\".*", "") : "";
        return "not a number; provided value: '" + value + "'";
      }
      if (c instanceof java.io.EOFException
          || m.contains("Unexpected end of")
          || m.contains("unexpected end of")) {
        return "the file is truncated (unexpected end of the compressed data)";
      }
      if (c instanceof java.util.zip.ZipException) {
        return "not a valid gzip file (" + m.lines().findFirst().orElse("") + ")";
      }
      if (c instanceof java.io.FileNotFoundException) {
        return "the file disappeared while it was read";
      }
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    // Unknown shape: the type only, since its message could quote a data row.
    return "the reader failed ("
        + root.getClass().getSimpleName()
        + "; run with --verbose for Spark's log)";
  }

  /** The file Spark names in "Encountered error while reading file X", or null. */
  public static String file(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      Matcher f = READING_FILE.matcher(c.getMessage() == null ? "" : c.getMessage());
      if (f.find()) {
        return f.group(1);
      }
    }
    return null;
  }
}
