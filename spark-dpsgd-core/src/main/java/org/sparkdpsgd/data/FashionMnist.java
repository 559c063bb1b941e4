package org.sparkdpsgd.data;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Fashion-MNIST (or MNIST) from a directory of IDX files, as a DataFrame of {@code features}
 * (784 pixels scaled to [0, 1] by the fixed, data-independent factor 1/255) and {@code label}.
 */
public final class FashionMnist {
  /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
  public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

  public static final String[] CLASS_NAMES = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
  };

  private FashionMnist() {}

  public enum Split {
    TRAIN("train"),
    TEST("t10k");

    final String prefix;

    Split(String prefix) {
      this.prefix = prefix;
    }
  }

  /**
   * Loads one split. {@code location} is a directory holding {@code train-images-idx3-ubyte[.gz]}
   * etc.; {@code limit} keeps the first rows only (0 = all).
   */
  public static Dataset<Row> load(SparkSession spark, String location, Split split, int limit) {
    Path dir = Path.of(location);
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException(
          "fashion-mnist: " + location + " is not a directory with IDX files"
              + (location.equals(DEBIAN_DIR) ? " (install it: apt-get install dataset-fashion-mnist)" : ""));
    }
    IdxReader.Images images = IdxReader.readImages(find(dir, split.prefix + "-images-idx3-ubyte"), limit);
    byte[] labels = IdxReader.readLabels(find(dir, split.prefix + "-labels-idx1-ubyte"), limit);
    if (labels.length != images.count()) {
      throw new InvalidInputException(
          "fashion-mnist " + location + ": " + images.count() + " images but " + labels.length + " labels");
    }
    List<RawImage> raw = new ArrayList<>(images.count());
    for (int i = 0; i < images.count(); i++) {
      raw.add(new RawImage(images.pixels()[i], labels[i] & 0xff));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(jsc.defaultParallelism(), (images.count() + 7_999) / 8_000);
    // Ship raw bytes (1/8 of the doubles) and scale on the executors.
    JavaRDD<Row> rows = jsc.parallelize(raw, slices).map(RawImage::toRow);
    return spark.createDataFrame(rows, schema());
  }

  public static StructType schema() {
    return new StructType()
        .add("features", SQLDataTypes.VectorType(), false)
        .add("label", DataTypes.DoubleType, false);
  }

  private static Path find(Path dir, String base) {
    Path gz = dir.resolve(base + ".gz");
    if (Files.exists(gz)) {
      return gz;
    }
    Path plain = dir.resolve(base);
    if (Files.exists(plain)) {
      return plain;
    }
    throw new InvalidInputException("fashion-mnist: missing " + gz + " (or " + plain + ")");
  }

  private record RawImage(byte[] pixels, int label) implements Serializable {
    Row toRow() {
      double[] v = new double[pixels.length];
      for (int k = 0; k < v.length; k++) {
        v[k] = (pixels[k] & 0xff) / 255.0;
      }
      return RowFactory.create(Vectors.dense(v), (double) label);
    }
  }
}
