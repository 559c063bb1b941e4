package org.sparkdpsgd.data;

/**
 * Where the row being packed came from, for error messages: the file and, for text formats, its
 * line as an editor shows it; otherwise the partition and the row within it.
 */
final class RowPosition {
  private final String sourceName;
  private final int partition;
  private String file;
  private long splitStart = -1;
  private String textFormat;
  private long rowInPartition = -1;
  private long rowInSplit = -1;

  RowPosition(String sourceName, int partition) {
    this.sourceName = sourceName;
    this.partition = partition;
  }

  /** Moves to the next row, read from {@code file} in the split starting at {@code start}. */
  void advance(String nextFile, long start, String format) {
    if (nextFile == null || !nextFile.equals(file) || start != splitStart) {
      rowInSplit = -1; // a partition can hold several files (or splits)
    }
    file = nextFile;
    splitStart = start;
    textFormat = format;
    rowInPartition++;
    rowInSplit++;
  }

  String describe() {
    return describe(file, rowInPartition, rowInSplit);
  }

  /**
   * The row after the current one, whose reading failed; {@code failedFile} from Spark's message.
   */
  String describeNext(String failedFile) {
    if (failedFile != null && !failedFile.equals(file)) {
      // The first record of a file this partition had not reached yet.
      return describe(failedFile, rowInPartition + 1, 0);
    }
    return describe(file, rowInPartition + 1, rowInSplit + 1);
  }

  private String describe(String f, long row, long inSplit) {
    if (textFormat != null && f != null && !f.isEmpty()) {
      long line =
          TextLines.lineOf(
              f,
              Math.max(0, splitStart),
              inSplit,
              "csv".equals(textFormat),
              "libsvm".equals(textFormat));
      if (line > 0) {
        return origin(f) + ", line " + line;
      }
    }
    return origin(f) + ", partition " + partition + " row " + row;
  }

  private String origin(String f) {
    return (f == null || f.isEmpty()) ? sourceName : sourceName + " (" + f + ")";
  }
}
