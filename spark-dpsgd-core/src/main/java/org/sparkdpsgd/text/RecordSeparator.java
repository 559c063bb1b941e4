package org.sparkdpsgd.text;

import java.io.Serializable;
import org.sparkdpsgd.util.Checks;

/**
 * How a corpus file is cut into records (documents): {@code "\n"} makes every line a record; any
 * other value is the text of a line that stands between records, such as the {@code %} line between
 * two fortunes in the files of Debian's {@code fortunes} package. Files are read as UTF-8 with Unix
 * line ends when a separator line is used (a separator line ending in CR LF is not recognised); one
 * record per line also accepts CR LF.
 */
public record RecordSeparator(String value) implements Serializable {
  public static final RecordSeparator LINES = new RecordSeparator("\n");

  /** The line between two fortunes in a {@code fortune(6)} file. */
  public static final RecordSeparator FORTUNES = new RecordSeparator("%");

  public RecordSeparator {
    if (value == null
        || value.isEmpty()
        || (!value.equals("\n") && (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0))) {
      throw Checks.fail(
          "recordSeparator",
          "\"\\n\" (a record per line) or the text of one separator line, such as %",
          value == null ? "null" : escaped(value));
    }
  }

  /** A separator as a user types it: the two characters {@code \n} stand for the newline. */
  public static RecordSeparator parse(String typed) {
    return new RecordSeparator("\\n".equals(typed) ? "\n" : typed);
  }

  public boolean lines() {
    return value.equals("\n");
  }

  /**
   * What Hadoop's {@code TextInputFormat} splits the files on ({@code
   * textinputformat.record.delimiter}), or null for its own line reader.
   */
  public String hadoopDelimiter() {
    return lines() ? null : "\n" + value + "\n";
  }

  /**
   * The text of a record as Hadoop's reader returns it, without the separator lines it can still
   * hold and without trailing newlines: a file that starts with a separator line, ends with one
   * without a final newline, or holds two in a row gives such pieces, and the last record of a file
   * that does not end with a separator line keeps its newline. {@link TextWindows} adds the one
   * newline every record ends with.
   */
  public String clean(String raw) {
    String s = raw;
    if (!lines()) {
      String leading = value + "\n";
      String trailing = "\n" + value;
      while (s.startsWith(leading)) {
        s = s.substring(leading.length());
      }
      while (s.endsWith(trailing)) {
        s = s.substring(0, s.length() - trailing.length());
      }
      if (s.equals(value)) {
        return "";
      }
    }
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '\n') {
      end--;
    }
    return s.substring(0, end);
  }

  private static String escaped(String s) {
    return s.replace("\n", "\\n").replace("\r", "\\r");
  }
}
