package org.sparkdpsgd.text;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The files of a text corpus, listed on the driver from a Hadoop path: a file, a directory (its
 * files, not its subdirectories: Debian's offensive fortunes sit in {@code fortunes/off/} and are
 * read only when named) or a glob. Files that cannot be a corpus are skipped: hidden ones ({@code
 * .x}, {@code _SUCCESS}), {@code *.dat} (the binary indexes {@code strfile} writes beside each
 * fortunes file) and {@code *.u8} (links to the same text in UTF-8, which would count every fortune
 * twice).
 */
final class CorpusFiles {
  private CorpusFiles() {}

  static List<Path> list(Configuration conf, String location) {
    try {
      return listOrFail(conf, location);
    } catch (InvalidInputException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) { // a malformed path or URI
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new InvalidInputException(
          "cannot list " + location + ": " + why.lines().findFirst().orElse(""), e);
    }
  }

  private static List<Path> listOrFail(Configuration conf, String location) throws IOException {
    Path path = new Path(location);
    FileSystem fs = path.getFileSystem(conf);
    FileStatus[] matches = fs.globStatus(path);
    if (matches == null || matches.length == 0) {
      throw new InvalidInputException(
          "no such file or directory: "
              + location
              + (location.equals(TextCorpus.FORTUNES_DIR)
                  ? " (install it: apt-get install fortunes)"
                  : ""));
    }
    List<Path> files = new ArrayList<>();
    for (FileStatus match : matches) {
      FileStatus[] candidates =
          match.isDirectory() ? fs.listStatus(match.getPath()) : new FileStatus[] {match};
      for (FileStatus f : candidates) {
        if (f.isFile() && isCorpusFile(f.getPath().getName())) {
          files.add(f.getPath());
        }
      }
    }
    if (files.isEmpty()) {
      throw new InvalidInputException(
          location
              + ": no text files there (hidden files, *.dat and *.u8 are skipped, and"
              + " subdirectories are not read)");
    }
    files.sort(null);
    return files;
  }

  static boolean isCorpusFile(String name) {
    return !name.startsWith(".")
        && !name.startsWith("_")
        && !name.endsWith(".dat")
        && !name.endsWith(".u8");
  }
}
