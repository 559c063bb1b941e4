package org.sparkdpsgd.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (optionally gzipped): unsigned-byte images (magic
 * 2051) and unsigned-byte labels (magic 2049). Headers are checked, so a wrong or truncated file
 * fails with its name and what was wrong.
 */
public final class IdxReader {
  private static final int IMAGES_MAGIC = 0x00000803;
  private static final int LABELS_MAGIC = 0x00000801;

  private IdxReader() {}

  /** Images as raw pixel bytes, one array per image; at most {@code limit} (0 = all). */
  public record Images(int count, int rows, int cols, byte[][] pixels) {}

  public static Images readImages(Path file, int limit) {
    try (DataInputStream in = open(file)) {
      int magic = in.readInt();
      if (magic != IMAGES_MAGIC) {
        throw new InvalidInputException(
            file
                + ": not an IDX image file (magic number "
                + magic
                + ", expected "
                + IMAGES_MAGIC
                + ")");
      }
      int n = in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      int count = limit > 0 ? Math.min(limit, n) : n;
      byte[][] pixels = new byte[count][rows * cols];
      for (int i = 0; i < count; i++) {
        in.readFully(pixels[i]);
      }
      return new Images(count, rows, cols, pixels);
    } catch (EOFException e) {
      throw new InvalidInputException(file + ": truncated IDX image file", e);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file + ": no such file", e);
    } catch (IOException e) {
      throw new InvalidInputException(file + ": cannot read IDX image file: " + e.getMessage(), e);
    }
  }

  public static byte[] readLabels(Path file, int limit) {
    try (DataInputStream in = open(file)) {
      int magic = in.readInt();
      if (magic != LABELS_MAGIC) {
        throw new InvalidInputException(
            file
                + ": not an IDX label file (magic number "
                + magic
                + ", expected "
                + LABELS_MAGIC
                + ")");
      }
      int n = in.readInt();
      int count = limit > 0 ? Math.min(limit, n) : n;
      byte[] labels = new byte[count];
      in.readFully(labels);
      return labels;
    } catch (EOFException e) {
      throw new InvalidInputException(file + ": truncated IDX label file", e);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file + ": no such file", e);
    } catch (IOException e) {
      throw new InvalidInputException(file + ": cannot read IDX label file: " + e.getMessage(), e);
    }
  }

  private static DataInputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    if (file.getFileName().toString().endsWith(".gz")) {
      raw = new GZIPInputStream(raw, 1 << 16);
    }
    return new DataInputStream(raw);
  }
}
