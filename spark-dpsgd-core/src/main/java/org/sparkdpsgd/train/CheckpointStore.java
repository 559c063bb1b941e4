package org.sparkdpsgd.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * A checkpoint directory on any Hadoop file system: files {@code checkpoint-<charged steps, 12
 * digits>-<completed steps>.json}, each written under a temporary name, synced and renamed (atomic
 * on HDFS and local disks; object stores copy), so a crash mid-write leaves the previous checkpoint
 * intact. The newest readable one wins, and the charge recorded in the NAME of every file counts
 * even when its content cannot be read: spent privacy is never forgotten because a file was
 * damaged. The last two checkpoints are kept. One run writes to a directory at a time.
 */
final class CheckpointStore {
  private static final String PREFIX = "checkpoint-";
  private static final String SUFFIX = ".json";
  private static final Comparator<FileStatus> OLDEST_FIRST =
      Comparator.comparingLong((FileStatus f) -> chargeOf(f.getPath()))
          .thenComparingLong(f -> stepOf(f.getPath()));
  private final Path dir;
  private final FileSystem fs;

  CheckpointStore(String dir, Configuration hadoop) {
    try {
      this.dir = new Path(dir);
      this.fs = this.dir.getFileSystem(hadoop);
      fs.mkdirs(this.dir);
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidInputException(
          "checkpoint directory " + dir + " cannot be used: " + e.getMessage());
    }
  }

  String location() {
    return fs.makeQualified(dir).toString();
  }

  /** The newest checkpoint that can be read, or null. */
  Checkpoint latest() {
    FileStatus[] files = checkpoints();
    Arrays.sort(files, OLDEST_FIRST.reversed());
    for (FileStatus f : files) {
      try (FSDataInputStream in = fs.open(f.getPath())) {
        return Checkpoint.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        // Cut short or damaged: its charge still counts (largestRecordedCharge), its state cannot.
        continue;
      }
    }
    return null;
  }

  /** The largest charge any checkpoint file's name records (0 if none). */
  long largestRecordedCharge() {
    long max = 0;
    for (FileStatus f : checkpoints()) {
      max = Math.max(max, chargeOf(f.getPath()));
    }
    return max;
  }

  /**
   * Writes {@code c} durably before returning; then removes the older checkpoints but one: if the
   * newest file is damaged later (a disk error), the run resumes from the one before it, and the
   * damaged file's name still charges its reservation.
   */
  void write(Checkpoint c) {
    Path target =
        new Path(dir, PREFIX + String.format("%012d", c.chargedSteps()) + "-" + c.step() + SUFFIX);
    Path tmp = new Path(dir, "." + target.getName() + ".tmp");
    long newer = largestRecordedCharge();
    if (newer > c.chargedSteps()) {
      throw new IllegalStateException(
          "checkpoint directory "
              + location()
              + " holds a checkpoint charging "
              + newer
              + " steps, more than this run's "
              + c.chargedSteps()
              + ": is another run writing to it?");
    }
    try {
      try (FSDataOutputStream out = fs.create(tmp, true)) {
        out.write(c.toJson().getBytes(StandardCharsets.UTF_8));
        out.hsync();
      }
      if (fs.exists(target) || !fs.rename(tmp, target)) {
        throw new IOException("rename of " + tmp + " to " + target + " failed");
      }
      removeAllButTheLastTwo();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot write a checkpoint to " + location() + ": " + e.getMessage(), e);
    }
  }

  private void removeAllButTheLastTwo() throws IOException {
    FileStatus[] files = checkpoints();
    Arrays.sort(files, OLDEST_FIRST);
    for (int k = 0; k < files.length - 2; k++) {
      fs.delete(files[k].getPath(), false);
    }
    for (FileStatus f :
        fs.listStatus(
            dir, p -> p.getName().startsWith("." + PREFIX) && p.getName().endsWith(".tmp"))) {
      fs.delete(f.getPath(), false);
    }
  }

  private FileStatus[] checkpoints() {
    try {
      return fs.listStatus(
          dir, p -> p.getName().startsWith(PREFIX) && p.getName().endsWith(SUFFIX));
    } catch (IOException e) {
      throw new InvalidInputException(
          "checkpoint directory " + location() + " cannot be read: " + e.getMessage());
    }
  }

  private static long chargeOf(Path p) {
    return part(p, 0);
  }

  private static long stepOf(Path p) {
    return part(p, 1);
  }

  private static long part(Path p, int k) {
    String name = p.getName();
    String[] parts = name.substring(PREFIX.length(), name.length() - SUFFIX.length()).split("-");
    try {
      return parts.length > k ? Long.parseLong(parts[k]) : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
