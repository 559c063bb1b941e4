package org.sparkdpsgd.jobs;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.sparkdpsgd.data.BlockPacker;
import org.sparkdpsgd.data.FashionMnist;
import org.sparkdpsgd.data.ReaderErrors;
import org.sparkdpsgd.text.CorpusSplit;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.util.InvalidInputException;
import org.sparkdpsgd.util.UserErrors;

/**
 * Reads training or test data in one of the supported formats into a DataFrame with a vector
 * features column and a numeric label column. CSV files have a header; every numeric column but the
 * label becomes a feature (in file order). CSV and LibSVM rows are marked so that a bad row is
 * named by its file line. {@code text} and {@code fortunes} are corpora for the character language
 * model ({@link TextCorpus}): one row per window of a record, split into training and test by each
 * record's text.
 */
public final class DataLoader {
  private DataLoader() {}

  public static Dataset<Row> load(
      SparkSession spark,
      String format,
      String path,
      boolean train,
      String featuresCol,
      String labelCol,
      int limit) {
    return load(spark, format, path, train, featuresCol, labelCol, limit, 0);
  }

  /**
   * {@code numFeatures}: data.num-features (required for LibSVM, 0 = from the vectors otherwise).
   * Text is cut with the {@link TextSettings} of the defaults file.
   */
  public static Dataset<Row> load(
      SparkSession spark,
      String format,
      String path,
      boolean train,
      String featuresCol,
      String labelCol,
      int limit,
      int numFeatures) {
    return load(
        spark,
        format,
        path,
        train,
        featuresCol,
        labelCol,
        limit,
        numFeatures,
        TextSettings.defaults());
  }

  /**
   * {@code text}: how the text formats cut their records into examples. A text corpus holds both
   * sides: {@code train} reads the records that {@link CorpusSplit} puts on the training side of
   * {@code path}, otherwise those on the test side.
   */
  static Dataset<Row> load(
      SparkSession spark,
      String format,
      String path,
      boolean train,
      String featuresCol,
      String labelCol,
      int limit,
      int numFeatures,
      TextSettings text) {
    return load(
        spark,
        format,
        path,
        train,
        featuresCol,
        labelCol,
        limit,
        numFeatures,
        text,
        UserSettings.NONE);
  }

  /**
   * As above; {@code users} keeps the user column (a CSV file's is not assembled into the features)
   * and gives Fashion-MNIST its synthetic users.
   */
  static Dataset<Row> load(
      SparkSession spark,
      String format,
      String path,
      boolean train,
      String featuresCol,
      String labelCol,
      int limit,
      int numFeatures,
      TextSettings text,
      UserSettings users) {
    String f = format.trim().toLowerCase(Locale.ROOT);
    Dataset<Row> df =
        switch (f) {
          case "fashion-mnist", "mnist", "idx" ->
              FashionMnist.load(
                  spark,
                  path,
                  train ? FashionMnist.Split.TRAIN : FashionMnist.Split.TEST,
                  limit,
                  train ? users.syntheticUsers() : 0);
          case "text", "fortunes" ->
              read(
                  path,
                  () ->
                      train && users.userCol() != null
                          // record-level privacy: each window with its record's id
                          ? TextCorpus.loadWithRecords(
                              spark, path, text.separatorFor(f), text.window(), CorpusSplit.TRAIN)
                          : TextCorpus.load(
                              spark,
                              path,
                              text.separatorFor(f),
                              text.window(),
                              train ? CorpusSplit.TRAIN : CorpusSplit.TEST));
          case "parquet" -> read(path, () -> spark.read().parquet(path));
          case "libsvm" -> libsvm(spark, path, numFeatures);
          case "csv" ->
              assembleCsv(
                  read(
                      path,
                      () ->
                          spark
                              .read()
                              .option("header", "true")
                              .option("inferSchema", "true")
                              .csv(path)),
                  featuresCol,
                  labelCol,
                  train ? users.userCol() : null,
                  path);
          default ->
              throw new InvalidInputException(
                  "data.format must be one of parquet, csv, libsvm, fashion-mnist, text, fortunes;"
                      + " provided value: "
                      + format);
        };
    if (limit > 0 && !f.equals("fashion-mnist") && !f.equals("mnist") && !f.equals("idx")) {
      df = df.limit(limit);
    }
    return df;
  }

  private static Dataset<Row> libsvm(SparkSession spark, String path, int numFeatures) {
    if (numFeatures <= 0) {
      // Spark would otherwise scan the data for its largest feature index: a fact about the
      // private rows, and the model's shape would publish it.
      throw new InvalidInputException(
          "data.num-features is not set: LibSVM data needs the number of features"
              + " (--set data.num-features=N); it is not inferred from the private data");
    }
    return read(
            path, () -> spark.read().format("libsvm").option("numFeatures", numFeatures).load(path))
        .withColumn(BlockPacker.TEXT_FORMAT_COL, lit("libsvm"));
  }

  /** Runs a Spark read (or a small action on it), turning its failures into one line. */
  private static <T> T read(String path, java.util.function.Supplier<T> reader) {
    try {
      return UserErrors.unwrapping(reader::get);
    } catch (InvalidInputException e) {
      throw e;
    } catch (Exception e) { // AnalysisException (missing path) is a checked exception
      String msg = e.getMessage() == null ? "" : e.getMessage();
      if (msg.contains("PATH_NOT_FOUND") || msg.contains("Path does not exist")) {
        throw new InvalidInputException("no such file or directory: " + path, e);
      }
      if (msg.contains("UNABLE_TO_INFER_SCHEMA")) {
        throw new InvalidInputException(
            path + ": no data files there (empty directory, or files of another format)", e);
      }
      String file = ReaderErrors.file(e);
      throw new InvalidInputException(
          "cannot read " + (file == null ? path : file) + ": " + ReaderErrors.reason(e), e);
    }
  }

  private static Dataset<Row> assembleCsv(
      Dataset<Row> df, String featuresCol, String labelCol, String userCol, String path) {
    if (!Arrays.asList(df.columns()).contains(labelCol)) {
      throw new InvalidInputException(
          path
              + ": missing column '"
              + labelCol
              + "'; available columns: "
              + Arrays.toString(df.columns()));
    }
    if (userCol != null && !Arrays.asList(df.columns()).contains(userCol)) {
      throw new InvalidInputException(
          path
              + ": missing user column '"
              + userCol
              + "' (data.user-col); available columns: "
              + Arrays.toString(df.columns()));
    }
    boolean allNumeric =
        Arrays.stream(df.schema().fields()).allMatch(fl -> fl.dataType() instanceof NumericType);
    // Without rows, schema inference sees no numbers and calls every column a string.
    if (!allNumeric && read(path, () -> df.limit(1).isEmpty())) {
      throw new InvalidInputException(path + " is empty: a header and no data rows");
    }
    String[] inputs =
        Arrays.stream(df.schema().fields())
            .filter(fl -> !fl.name().equals(labelCol) && !fl.name().equals(userCol))
            .peek(fl -> requireNumeric(fl, path))
            .map(StructField::name)
            .toArray(String[]::new);
    if (inputs.length == 0) {
      throw new InvalidInputException(path + ": no feature columns besides '" + labelCol + "'");
    }
    // An empty cell reads as null, which the assembler would turn into NaN: name it as empty.
    Column[] emptyCell =
        Arrays.stream(df.columns())
            .map(c -> when(quoted(c).isNull(), lit(c)))
            .toArray(Column[]::new);
    Dataset<Row> marked = df.withColumn(BlockPacker.EMPTY_CELL_COL, coalesce(emptyCell));
    // "keep": the null cells reach our validator (above), which names the file, line and column.
    VectorAssembler assembler =
        new VectorAssembler()
            .setInputCols(inputs)
            .setOutputCol(featuresCol)
            .setHandleInvalid("keep");
    java.util.List<Column> kept = new java.util.ArrayList<>();
    kept.add(col(featuresCol));
    kept.add(quoted(labelCol));
    kept.add(col(BlockPacker.EMPTY_CELL_COL));
    kept.add(lit("csv").as(BlockPacker.TEXT_FORMAT_COL));
    if (userCol != null && Arrays.asList(df.columns()).contains(userCol)) {
      kept.add(quoted(userCol));
    }
    return assembler.transform(marked).select(kept.toArray(Column[]::new));
  }

  /** A column by its exact name (CSV headers may hold dots or spaces). */
  private static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  private static void requireNumeric(StructField f, String path) {
    if (!(f.dataType() instanceof NumericType)) {
      throw new InvalidInputException(
          path
              + ": column '"
              + f.name()
              + "' is not numeric ("
              + f.dataType().simpleString()
              + "); every column except the label must be a number");
    }
  }
}
