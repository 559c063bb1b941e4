package org.sparkdpsgd.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.util.InvalidInputException;

class FashionMnistReaderTest {
  @TempDir Path dir;

  void writeImages(Path file, int magic, int n, int rows, int cols, int actualImages)
      throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
      out.writeInt(magic);
      out.writeInt(n);
      out.writeInt(rows);
      out.writeInt(cols);
      for (int i = 0; i < actualImages; i++) {
        for (int p = 0; p < rows * cols; p++) {
          out.writeByte((i * 31 + p) % 256);
        }
      }
    }
  }

  void writeLabels(Path file, int n) throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
      out.writeInt(0x801);
      out.writeInt(n);
      for (int i = 0; i < n; i++) {
        out.writeByte(i % 10);
      }
    }
  }

  @Test
  void readsImagesScaledToUnitIntervalWithLabels() throws IOException {
    writeImages(dir.resolve("train-images-idx3-ubyte.gz"), 0x803, 5, 2, 3, 5);
    writeLabels(dir.resolve("train-labels-idx1-ubyte.gz"), 5);
    List<Row> rows =
        FashionMnist.load(SparkTestSession.get(), dir.toString(), FashionMnist.Split.TRAIN, 0)
            .collectAsList();
    assertEquals(5, rows.size());
    Vector v = rows.get(3).getAs("features");
    assertEquals(6, v.size());
    assertEquals(((3 * 31 + 4) % 256) / 255.0, v.apply(4), 1e-12);
    assertEquals(3.0, rows.get(3).getDouble(1));
    assertEquals(
        2,
        FashionMnist.load(SparkTestSession.get(), dir.toString(), FashionMnist.Split.TRAIN, 2)
            .count());
  }

  @Test
  void badFilesAreNamed() throws IOException {
    writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x803, 5, 2, 3, 3);
    writeLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"), 5);
    String m =
        assertThrows(
                InvalidInputException.class,
                () ->
                    FashionMnist.load(
                        SparkTestSession.get(), dir.toString(), FashionMnist.Split.TEST, 0))
            .getMessage();
    assertTrue(m.contains("t10k-images-idx3-ubyte.gz") && m.contains("truncated"), m);
    writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x801, 5, 2, 3, 5);
    m =
        assertThrows(
                InvalidInputException.class,
                () ->
                    FashionMnist.load(
                        SparkTestSession.get(), dir.toString(), FashionMnist.Split.TEST, 0))
            .getMessage();
    assertTrue(m.contains("magic"), m);
    m =
        assertThrows(
                InvalidInputException.class,
                () ->
                    FashionMnist.load(
                        SparkTestSession.get(),
                        dir.resolve("none").toString(),
                        FashionMnist.Split.TEST,
                        0))
            .getMessage();
    assertTrue(m.contains("none"), m);
  }
}
