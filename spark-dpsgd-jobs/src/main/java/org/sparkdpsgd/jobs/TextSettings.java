package org.sparkdpsgd.jobs;

import org.sparkdpsgd.text.RecordSeparator;
import org.sparkdpsgd.util.Checks;

/**
 * How the text formats cut a corpus into examples: {@code data.window} characters read per example
 * and {@code data.record-separator} (unset: the format's own, one record per line for {@code text}
 * and the {@code %} line between fortunes for {@code fortunes}). Checked whatever the format, so a
 * bad value fails before anything runs.
 */
record TextSettings(int window, RecordSeparator separator) {
  /** The settings of dpsgd-defaults.conf. */
  static TextSettings defaults() {
    return of(JobConfig.load(null, java.util.List.of()));
  }

  static TextSettings of(JobConfig c) {
    int window =
        c.validated(
            "data.window",
            () -> {
              int w = c.integer("data.window");
              if (w < 2) {
                throw Checks.fail("window", ">= 2", w);
              }
              return w;
            });
    RecordSeparator separator =
        c.isSet("data.record-separator")
            ? c.validated(
                "data.record-separator",
                () -> RecordSeparator.parse(c.string("data.record-separator")))
            : null;
    return new TextSettings(window, separator);
  }

  /** The separator for {@code format} ("text" or "fortunes"). */
  RecordSeparator separatorFor(String format) {
    if (separator != null) {
      return separator;
    }
    return format.equals("fortunes") ? RecordSeparator.FORTUNES : RecordSeparator.LINES;
  }
}
