package org.sparkdpsgd.jobs;

import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.sparkdpsgd.data.FashionMnist;
import org.sparkdpsgd.util.InvalidInputException;
import org.sparkdpsgd.util.UserErrors;

/**
 * Reads training or test data in one of the supported formats into a DataFrame with a vector
 * features column and a numeric label column. CSV files have a header; every numeric column but
 * the label becomes a feature (in file order).
 */
public final class DataLoader {
  private DataLoader() {}

  public static Dataset<Row> load(SparkSession spark, String format, String path, boolean train,
      String featuresCol, String labelCol, int limit) {
    String f = format.trim().toLowerCase(Locale.ROOT);
    Dataset<Row> df = switch (f) {
      case "fashion-mnist", "mnist", "idx" -> FashionMnist.load(spark, path,
          train ? FashionMnist.Split.TRAIN : FashionMnist.Split.TEST, limit);
      case "parquet" -> UserErrors.unwrapping(() -> read(spark, path, () -> spark.read().parquet(path)));
      case "libsvm" -> UserErrors.unwrapping(() -> read(spark, path, () -> spark.read().format("libsvm").load(path)));
      case "csv" -> assembleCsv(read(spark, path, () -> spark.read().option("header", "true")
          .option("inferSchema", "true").csv(path)), featuresCol, labelCol, path);
      default -> throw new InvalidInputException(
          "data.format must be one of parquet, csv, libsvm, fashion-mnist; provided value: " + format);
    };
    if (limit > 0 && !f.equals("fashion-mnist") && !f.equals("mnist") && !f.equals("idx")) {
      df = df.limit(limit);
    }
    return df;
  }

  private static Dataset<Row> read(SparkSession spark, String path, java.util.function.Supplier<Dataset<Row>> reader) {
    try {
      return reader.get();
    } catch (Exception e) { // AnalysisException (missing path) is a checked exception
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new InvalidInputException("cannot read " + path + ": " + msg, e);
    }
  }

  private static Dataset<Row> assembleCsv(Dataset<Row> df, String featuresCol, String labelCol, String path) {
    if (!Arrays.asList(df.columns()).contains(labelCol)) {
      throw new InvalidInputException(
          path + ": missing column '" + labelCol + "'; available columns: " + Arrays.toString(df.columns()));
    }
    String[] inputs = Arrays.stream(df.schema().fields())
        .filter(fl -> !fl.name().equals(labelCol))
        .peek(fl -> requireNumeric(fl, path))
        .map(StructField::name).toArray(String[]::new);
    if (inputs.length == 0) {
      throw new InvalidInputException(path + ": no feature columns besides '" + labelCol + "'");
    }
    // "keep": NaN reaches our validator, which names the file, row and column.
    VectorAssembler assembler = new VectorAssembler().setInputCols(inputs).setOutputCol(featuresCol)
        .setHandleInvalid("keep");
    return assembler.transform(df).select(featuresCol, labelCol);
  }

  private static void requireNumeric(StructField f, String path) {
    if (!(f.dataType() instanceof NumericType)) {
      throw new InvalidInputException(path + ": column '" + f.name() + "' is not numeric ("
          + f.dataType().simpleString() + "); every column except the label must be a number");
    }
  }
}
