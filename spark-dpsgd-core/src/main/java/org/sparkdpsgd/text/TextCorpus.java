package org.sparkdpsgd.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
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
 * windows is protected as k examples, not as one.
 */
public final class TextCorpus {
  /** Where Debian's {@code fortunes} package puts its fortune files. */
  public static final String FORTUNES_DIR = "/usr/share/games/fortunes";

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
    return load(spark, location, separator, window, split, 0);
  }

  /** As above; {@code maxSplitBytes > 0} cuts the files into input splits of at most that size. */
  static Dataset<Row> load(
      SparkSession spark,
      String location,
      RecordSeparator separator,
      int window,
      CorpusSplit split,
      long maxSplitBytes) {
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
        records.filter(r -> CorpusSplit.of(r) == split).flatMap(r -> windowRows(r, window));
    return spark.createDataFrame(rows, schema());
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

  private static Iterator<Row> windowRows(String record, int window) {
    return Arrays.stream(TextWindows.of(record, window))
        .map(ids -> RowFactory.create(Vectors.dense(toDoubles(ids)), 0.0))
        .iterator();
  }

  private static double[] toDoubles(int[] ids) {
    return Arrays.stream(ids).asDoubleStream().toArray();
  }
}
