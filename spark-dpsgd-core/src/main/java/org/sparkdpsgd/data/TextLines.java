package org.sparkdpsgd.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * The line of a text file (CSV, LibSVM) that holds a given record, so an error says "line 79" as an
 * editor shows it, not "partition 0 row 77". Spark's readers skip blank lines (and LibSVM comments)
 * and CSV drops its header, so records are counted the same way, from the start of the file. Only
 * runs when a row is bad: it re-reads the file up to that record.
 */
final class TextLines {
  private TextLines() {}

  /**
   * The 1-based line of record {@code recordInSplit} (0-based) of the split starting at byte {@code
   * splitStart}, or -1 when it cannot be read again.
   */
  static long lineOf(
      String file, long splitStart, long recordInSplit, boolean csvHeader, boolean libsvm) {
    try {
      Path path = new Path(new java.net.URI(file));
      FileSystem fs = path.getFileSystem(new Configuration());
      CompressionCodec codec = new CompressionCodecFactory(fs.getConf()).getCodec(path);
      long line = 0;
      try (InputStream raw = fs.open(path);
          InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
        if (splitStart > 0) {
          // A split after the first starts after the first newline at or after its start byte.
          line = newlinesBefore(in, splitStart);
          line += skipLine(in);
          csvHeader = false;
        }
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        long records = csvHeader ? -1 : 0;
        String s;
        while ((s = r.readLine()) != null) {
          line++;
          String t = s.trim();
          if (t.isEmpty() || (libsvm && t.startsWith("#"))) {
            continue;
          }
          if (records == recordInSplit) {
            return line;
          }
          records++;
        }
      }
      return -1;
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      return -1;
    }
  }

  private static long newlinesBefore(InputStream in, long bytes) throws IOException {
    long n = 0;
    byte[] buf = new byte[64 * 1024];
    long left = bytes;
    while (left > 0) {
      int got = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (got < 0) {
        break;
      }
      for (int k = 0; k < got; k++) {
        if (buf[k] == '\n') {
          n++;
        }
      }
      left -= got;
    }
    return n;
  }

  private static long skipLine(InputStream in) throws IOException {
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        return 1;
      }
    }
    return 0;
  }
}
