package org.sparkdpsgd.data;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
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
 * Fashion-MNIST (or MNIST) from a directory of IDX files, as a DataFrame of {@code features} (784
 * pixels scaled to [0, 1] by the fixed, data-independent factor 1/255) and {@code label}.
 */
public final class FashionMnist {
  /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
  public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

  public static final String[] CLASS_NAMES = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
  };

  /** Images per broadcast chunk (784 KB of pixels for 28 x 28). */
  private static final int CHUNK_IMAGES = 1000;

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
    return load(spark, location, split, limit, 0);
  }

  /** The name of the synthetic users' column ({@link #load} with users > 0). */
  public static final String USER_COL = "user";

  /**
   * As above; with {@code users} > 0 each row also gets a synthetic user (int column {@link
   * #USER_COL}): image i of the file belongs to user i mod users, a fixed public assignment (60,000
   * training images and 6,000 users make 10 images per user), for demonstrating user-level privacy.
   */
  public static Dataset<Row> load(
      SparkSession spark, String location, Split split, int limit, int users) {
    if (users < 0) {
      throw new InvalidInputException(
          "data.synthetic-users must be >= 0 (0 = none); provided value: " + users);
    }
    Path dir = Path.of(location);
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException(
          "fashion-mnist: "
              + location
              + " is not a directory with IDX files"
              + (location.equals(DEBIAN_DIR)
                  ? " (install it: apt-get install dataset-fashion-mnist)"
                  : ""));
    }
    IdxReader.Images images =
        IdxReader.readImages(find(dir, split.prefix + "-images-idx3-ubyte"), limit);
    byte[] labels = IdxReader.readLabels(find(dir, split.prefix + "-labels-idx1-ubyte"), limit);
    if (labels.length != images.count()) {
      throw new InvalidInputException(
          "fashion-mnist "
              + location
              + ": "
              + images.count()
              + " images but "
              + labels.length
              + " labels");
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // The images reach the executors as broadcast chunks of raw bytes (1/8 of the doubles), and
    // tasks carry only chunk numbers: parallelized rows would make every packing task megabytes
    // large, and a lost block is rebuilt from the chunks, which the driver keeps.
    List<Broadcast<RawChunk>> chunks = new ArrayList<>();
    for (int from = 0; from < images.count(); from += CHUNK_IMAGES) {
      int to = Math.min(images.count(), from + CHUNK_IMAGES);
      chunks.add(
          jsc.broadcast(
              new RawChunk(
                  java.util.Arrays.copyOfRange(images.pixels(), from, to),
                  java.util.Arrays.copyOfRange(labels, from, to),
                  from,
                  users)));
    }
    int slices =
        Math.min(
            chunks.size(), Math.max(jsc.defaultParallelism(), (images.count() + 7_999) / 8_000));
    JavaRDD<Row> rows =
        spark
            .range(0, chunks.size(), 1, Math.max(1, slices))
            .javaRDD()
            .flatMap(i -> chunks.get(Math.toIntExact(i)).value().rows());
    StructType schema = schema();
    return spark.createDataFrame(
        rows, users > 0 ? schema.add(USER_COL, DataTypes.IntegerType, false) : schema);
  }

  /**
   * The label column declares the 10 classes in ML metadata (a public fact about the dataset), so a
   * {@code DPSGDClassifier} fitted on it needs no numClasses.
   */
  public static StructType schema() {
    return new StructType()
        .add("features", SQLDataTypes.VectorType(), false)
        .add(
            org.apache.spark.ml.attribute.NominalAttribute.defaultAttr()
                .withName("label")
                .withValues(CLASS_NAMES)
                .toStructField());
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

  /** Up to {@link #CHUNK_IMAGES} images as raw bytes with their labels. */
  /** Images first .. first + n - 1 of the file; users > 0 adds each one's synthetic user. */
  private record RawChunk(byte[][] pixels, byte[] labels, int first, int users)
      implements Serializable {
    java.util.Iterator<Row> rows() {
      return java.util.stream.IntStream.range(0, labels.length).mapToObj(this::row).iterator();
    }

    private Row row(int i) {
      double[] v = new double[pixels[i].length];
      for (int k = 0; k < v.length; k++) {
        v[k] = (pixels[i][k] & 0xff) / 255.0;
      }
      double label = labels[i] & 0xff;
      return users > 0
          ? RowFactory.create(Vectors.dense(v), label, (first + i) % users)
          : RowFactory.create(Vectors.dense(v), label);
    }
  }
}
