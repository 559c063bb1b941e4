package org.sparkdpsgd.ledger;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The files of a ledger directory, and the one write it needs: put a complete file under a name
 * only if no one holds that name, atomically ({@link #claim}). Two writers claiming the same name
 * cannot both succeed, and a reader never sees a file half written.
 *
 * <ul>
 *   <li>HDFS (and viewfs, webhdfs): the content goes to a private temporary file, synced, then
 *       {@code rename}d to the name. The namenode renames atomically and refuses (returns false)
 *       when the target exists, so the rename is the claim.
 *   <li>Local disks: Hadoop's {@code rename} there is {@code File.renameTo}, which REPLACES an
 *       existing file on POSIX, and {@code create(overwrite = false)} checks, then creates, with a
 *       window between. Instead the temporary file is hard-linked to the name ({@code link(2)}),
 *       which fails atomically when the name exists; the temporary name is then removed.
 *   <li>Object stores (s3a, gs, wasb, ...) copy on rename and have no atomic create-if-absent that
 *       Hadoop exposes: a ledger there is refused rather than silently racy.
 * </ul>
 */
final class LedgerFiles {
  private static final Set<String> ATOMIC_RENAME = Set.of("hdfs", "viewfs", "webhdfs", "swebhdfs");
  private final Path dir;
  private final FileSystem fs;

  LedgerFiles(String location, Configuration hadoop) {
    try {
      Path p = new Path(location);
      this.fs = p.getFileSystem(hadoop);
      this.dir = fs.makeQualified(p);
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidInputException(
          "privacy ledger " + location + " cannot be used: " + firstLine(e), e);
    }
    String scheme = dir.toUri().getScheme().toLowerCase(Locale.ROOT);
    if (!local() && !ATOMIC_RENAME.contains(scheme)) {
      throw new InvalidInputException(
          "privacy ledger "
              + location
              + ": the "
              + scheme
              + ": file system has no atomic create-if-absent, so two runs could both spend the last"
              + " of the budget; keep the ledger on HDFS or a local/shared POSIX disk");
    }
  }

  /** For tests: the same directory through a file system instance of the caller's. */
  LedgerFiles(FileSystem fs, String location) {
    this.fs = fs;
    this.dir = fs.makeQualified(new Path(location));
  }

  String location() {
    return dir.toString();
  }

  private boolean local() {
    return fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem;
  }

  /** The file's bytes, or null when it does not exist. */
  byte[] read(String name) throws IOException {
    try (FSDataInputStream in = fs.open(new Path(dir, name))) {
      return in.readAllBytes();
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /**
   * Names of the files whose names match {@code regex}, unsorted; none when the directory is
   * missing.
   */
  List<String> list(String regex) throws IOException {
    List<String> names = new ArrayList<>();
    FileStatus[] files;
    try {
      files = fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return names;
    }
    for (FileStatus f : files) {
      String n = f.getPath().getName();
      if (n.matches(regex)) {
        names.add(n);
      }
    }
    return names;
  }

  void mkdirs() throws IOException {
    if (!fs.mkdirs(dir)) {
      throw new IOException("cannot create the directory " + dir);
    }
  }

  /**
   * Puts {@code content} under {@code name}, durably, if no file has that name; returns false
   * (writing nothing) when one has.
   */
  boolean claim(String name, byte[] content) throws IOException {
    String tmpName = "." + name + "." + UUID.randomUUID() + ".tmp";
    return local() ? claimLocal(name, tmpName, content) : claimByRename(name, tmpName, content);
  }

  private boolean claimByRename(String name, String tmpName, byte[] content) throws IOException {
    Path tmp = new Path(dir, tmpName);
    Path target = new Path(dir, name);
    try {
      try (FSDataOutputStream out = fs.create(tmp, false)) {
        out.write(content);
        out.hsync();
      }
      if (fs.rename(tmp, target)) {
        return true;
      }
      if (fs.exists(target)) {
        return false;
      }
      throw new IOException("rename of " + tmp + " to " + target + " failed");
    } finally {
      fs.delete(tmp, false); // gone after a successful rename: a no-op then
    }
  }

  private boolean claimLocal(String name, String tmpName, byte[] content) throws IOException {
    java.nio.file.Path d = java.nio.file.Path.of(dir.toUri());
    java.nio.file.Path tmp = d.resolve(tmpName);
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.createLink(d.resolve(name), tmp);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }
}
