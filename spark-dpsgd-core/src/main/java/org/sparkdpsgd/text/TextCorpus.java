package org.sparkdpsgd.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;
import org.sparkdpsgd.util.UserErrors;

/**
 * A text corpus as the character language model's examples: one row per window of a record (see
 * {@link TextWindows}), {@code features} the window's {@code window + 1} character ids as doubles
 * and {@code label} 0 (the targets are in the features), so the rows pack and sample like any other
 * data. The files are read on the executors by Hadoop's {@code TextInputFormat}, cut into records
 * by a {@link RecordSeparator}; blank records are dropped; each record goes to the training or the
 * test side by its own text ({@link CorpusSplit}). The privacy unit is one window: a record of k
 * windows is protected as k examples, not as one; with {@link #loadWithRecords} each row also
 * carries its record's id, and record-level DP (grouping by it) protects a record, with its exact
 * copies, as one unit.
 */
public final class TextCorpus {
  /** Where Debian's {@code fortunes} package puts its fortune files. */
  public static final String FORTUNES_DIR = "/usr/share/games/fortunes";

  /**
   * The column of each window's record ({@link #recordId}) in {@link #schemaWithRecords()}'s rows:
   * the privacy unit of record-level DP ({@code data.user-col = record}), where all the windows of
   * a record, and of its exact copies, count as one unit.
   */
  public static final String RECORD_COL = "record";

  private TextCorpus() {}

  /**
   * The rows of one side of the corpus at {@code location} (a file, a directory or a glob, on any
   * Hadoop file system; see {@link CorpusFiles} for the files that are skipped).
   */
  public static Dataset<Row> load(
      SparkSession spark,
      String location,
      RecordSeparator separator,
      int window,
      CorpusSplit split) {
    return load(spark, location, separator, window, split, 0, false);
  }

  /**
   * As {@link #load(SparkSession, String, RecordSeparator, int, CorpusSplit)}, each row with its
   * record's id in {@link #RECORD_COL} ({@link #schemaWithRecords()}), for record-level privacy.
   */
  public static Dataset<Row> loadWithRecords(
      SparkSession spark,
      String location,
      RecordSeparator separator,
      int window,
      CorpusSplit split) {
    return load(spark, location, separator, window, split, 0, true);
  }

  /** As above; {@code maxSplitBytes > 0} cuts the files into input splits of at most that size. */
  static Dataset<Row> load(
      SparkSession spark,
      String location,
      RecordSeparator separator,
      int window,
      CorpusSplit split,
      long maxSplitBytes) {
    return load(spark, location, separator, window, split, maxSplitBytes, false);
  }

  private static Dataset<Row> load(
      SparkSession spark,
      String location,
      RecordSeparator separator,
      int window,
      CorpusSplit split,
      long maxSplitBytes,
      boolean withRecords) {
    if (window < 2) {
      throw Checks.fail("window", ">= 2", window);
    }
    JavaRDD<String> records = records(spark, location, separator, maxSplitBytes);
    if (UserErrors.unwrapping(records::isEmpty)) {
      throw new InvalidInputException(
          location
              + ": no records found (every record is blank; records are "
              + (separator.lines()
                  ? "lines"
                  : "separated by lines holding only " + separator.value())
              + ")");
    }
    JavaRDD<Row> rows =
        records
            .filter(r -> CorpusSplit.of(r) == split)
            .flatMap(r -> windowRows(r, window, withRecords).iterator());
    return spark.createDataFrame(rows, withRecords ? schemaWithRecords() : schema());
  }

  /** Every non-blank record of the corpus, both sides. */
  static JavaRDD<String> records(
      SparkSession spark, String location, RecordSeparator separator, long maxSplitBytes) {
    Configuration base = new Configuration(spark.sparkContext().hadoopConfiguration());
    List<Path> files = CorpusFiles.list(base, location);
    Job job;
    try {
      job = Job.getInstance(base);
      FileInputFormat.setInputPaths(job, files.toArray(Path[]::new));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Configuration conf = job.getConfiguration();
    if (separator.hadoopDelimiter() != null) {
      conf.set("textinputformat.record.delimiter", separator.hadoopDelimiter());
    }
    if (maxSplitBytes > 0) {
      conf.setLong(FileInputFormat.SPLIT_MAXSIZE, maxSplitBytes);
    }
    return JavaSparkContext.fromSparkContext(spark.sparkContext())
        .newAPIHadoopRDD(conf, TextInputFormat.class, LongWritable.class, Text.class)
        // The reader reuses its Text object: decode it (as UTF-8) before the next record.
        .map(kv -> separator.clean(kv._2().toString()))
        .filter(r -> !r.isBlank());
  }

  /**
   * The label declares the vocabulary's {@link CharVocabulary#SIZE} symbols as its classes in ML
   * metadata: the model predicts one of them at every position, a public fact about the format.
   */
  public static StructType schema() {
    return new StructType()
        .add("features", SQLDataTypes.VectorType(), false)
        .add(
            NominalAttribute.defaultAttr()
                .withName("label")
                .withNumValues(CharVocabulary.SIZE)
                .toStructField());
  }

  /** {@link #schema()} and the record id ({@link #RECORD_COL}, a long). */
  public static StructType schemaWithRecords() {
    return schema().add(RECORD_COL, DataTypes.LongType, false);
  }

  /**
   * A record's id: the first 8 bytes of the SHA-256 of its text (as {@link CorpusSplit} reads
   * them). A function of the text alone, so a record and its exact copies share one id, and so one
   * privacy unit: a text repeated k times is protected as one record, not as k.
   */
  public static long recordId(String record) {
    return CorpusSplit.head(record);
  }

  /** The rows of one record: its windows, and its id when {@code withRecord}. */
  public static List<Row> windowRows(String record, int window, boolean withRecord) {
    List<Row> rows = new java.util.ArrayList<>();
    Long id = withRecord ? recordId(record) : null;
    for (int[] ids : TextWindows.of(record, window)) {
      rows.add(
          withRecord
              ? RowFactory.create(Vectors.dense(toDoubles(ids)), 0.0, id)
              : RowFactory.create(Vectors.dense(toDoubles(ids)), 0.0));
    }
    return rows;
  }

  private static double[] toDoubles(int[] ids) {
    return Arrays.stream(ids).asDoubleStream().toArray();
  }
}
