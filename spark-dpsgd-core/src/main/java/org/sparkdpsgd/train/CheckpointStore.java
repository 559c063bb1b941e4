package org.sparkdpsgd.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * A checkpoint directory on any Hadoop file system (local, HDFS, S3A): files
 * {@code checkpoint-<step>.json}, each written under a temporary name and renamed (atomic on HDFS
 * and local disks), so a crash mid-write leaves the previous checkpoint intact. The newest
 * readable one wins; older ones are deleted after a newer one is in place.
 */
final class CheckpointStore {
  private static final String PREFIX = "checkpoint-";
  private static final String SUFFIX = ".json";
  private final Path dir;
  private final FileSystem fs;

  CheckpointStore(String dir, Configuration hadoop) {
    try {
      this.dir = new Path(dir);
      this.fs = this.dir.getFileSystem(hadoop);
      fs.mkdirs(this.dir);
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidInputException("checkpoint directory " + dir + " cannot be used: " + e.getMessage());
    }
  }

  String location() {
    return fs.makeQualified(dir).toString();
  }

  /** The newest checkpoint, or null if the directory holds none. */
  Checkpoint latest() {
    FileStatus[] files;
    try {
      files = fs.listStatus(dir, p -> p.getName().startsWith(PREFIX) && p.getName().endsWith(SUFFIX));
    } catch (IOException e) {
      throw new InvalidInputException("checkpoint directory " + location() + " cannot be read: " + e.getMessage());
    }
    Arrays.sort(files, Comparator.comparingLong((FileStatus f) -> stepOf(f.getPath())).reversed());
    for (FileStatus f : files) {
      try (FSDataInputStream in = fs.open(f.getPath())) {
        return Checkpoint.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        // A file cut short by a crash: the one before it is the last complete checkpoint.
        continue;
      }
    }
    return null;
  }

  /** Writes {@code c} durably before returning; then removes the older checkpoints. */
  void write(Checkpoint c) {
    Path target = new Path(dir, PREFIX + String.format("%012d", c.chargedSteps()) + "-" + c.step() + SUFFIX);
    Path tmp = new Path(dir, "." + target.getName() + ".tmp");
    try {
      try (OutputStream out = fs.create(tmp, true)) {
        out.write(c.toJson().getBytes(StandardCharsets.UTF_8));
      }
      fs.delete(target, false);
      if (!fs.rename(tmp, target)) {
        throw new IOException("rename of " + tmp + " to " + target + " failed");
      }
      for (FileStatus f : fs.listStatus(dir, p -> p.getName().startsWith(PREFIX) && !p.equals(target))) {
        if (!f.getPath().getName().equals(target.getName())) {
          fs.delete(f.getPath(), false);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a checkpoint to " + location() + ": " + e.getMessage(), e);
    }
  }

  /** Files are ordered by charged steps, then completed steps (both never decrease). */
  private static long stepOf(Path p) {
    String name = p.getName();
    String[] parts = name.substring(PREFIX.length(), name.length() - SUFFIX.length()).split("-");
    try {
      return Long.parseLong(parts[0]) * 10_000_000L + (parts.length > 1 ? Long.parseLong(parts[1]) : 0);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
