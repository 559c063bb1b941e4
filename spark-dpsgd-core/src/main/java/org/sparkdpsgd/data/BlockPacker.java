package org.sparkdpsgd.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_block_start;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Turns a DataFrame of (features vector, label) into blocks of validated rows. Validation happens
 * here, once, while the rows are packed; the training loop never sees a bad row.
 */
public final class BlockPacker {
  private static final String SOURCE_COL = "__dpsgd_source_file";
  private static final String SPLIT_START_COL = "__dpsgd_split_start";

  /**
   * Optional column a reader adds: the name of the first feature column whose cell was empty
   * (null), so the error says "empty" where the assembled vector would only show NaN.
   */
  public static final String EMPTY_CELL_COL = "__dpsgd_empty_cell";

  /** Optional column a reader adds: "csv" or "libsvm", so bad rows are named by their file line. */
  public static final String TEXT_FORMAT_COL = "__dpsgd_text_format";

  private BlockPacker() {}

  /** What to pack and how to describe it in error messages. */
  public record Spec(
      String featuresCol,
      String labelCol,
      int dim,
      int numClasses,
      int blockRows,
      String sourceName,
      String[] featureNames,
      double featureScale,
      double featureShift)
      implements java.io.Serializable {

    /**
     * Every feature becomes x · scale + shift while it is packed: a FIXED transform (e.g. pixels
     * from [0, 1] to [-1, 1]). Never use statistics of the private data here: they would leak.
     */
    public Spec withFeatureTransform(double scale, double shift) {
      return new Spec(
          featuresCol,
          labelCol,
          dim,
          numClasses,
          blockRows,
          sourceName,
          featureNames,
          scale,
          shift);
    }
  }

  /** Checks the schema on the driver: missing or mistyped columns fail before any job runs. */
  public static void checkSchema(
      Dataset<Row> df, String featuresCol, String labelCol, String source) {
    List<String> names = Arrays.asList(df.columns());
    for (String c : new String[] {featuresCol, labelCol}) {
      if (!names.contains(c)) {
        throw new InvalidInputException(
            source + ": missing column '" + c + "'; available columns: " + names);
      }
    }
    DataType featuresType = df.schema().apply(featuresCol).dataType();
    if (!(featuresType instanceof VectorUDT)) {
      throw new InvalidInputException(
          source
              + ": column '"
              + featuresCol
              + "' must be a vector (ml.linalg.Vector); found "
              + featuresType.simpleString()
              + " (assemble numeric columns with VectorAssembler)");
    }
    StructField label = df.schema().apply(labelCol);
    if (!(label.dataType() instanceof NumericType)) {
      throw new InvalidInputException(
          source
              + ": column '"
              + labelCol
              + "' must be numeric; found "
              + label.dataType().simpleString());
    }
  }

  /** Packs the rows into blocks (lazily; the caller persists and materialises them). */
  public static JavaRDD<ExampleBlock> pack(Dataset<Row> df, Spec spec) {
    checkSchema(df, spec.featuresCol(), spec.labelCol(), spec.sourceName());
    List<String> names = Arrays.asList(df.columns());
    Dataset<Row> withSource =
        df.select(
            col(spec.featuresCol()),
            col(spec.labelCol()),
            input_file_name().as(SOURCE_COL),
            input_file_block_start().as(SPLIT_START_COL),
            names.contains(EMPTY_CELL_COL)
                ? col(EMPTY_CELL_COL)
                : lit(null).cast("string").as(EMPTY_CELL_COL),
            names.contains(TEXT_FORMAT_COL)
                ? col(TEXT_FORMAT_COL)
                : lit(null).cast("string").as(TEXT_FORMAT_COL));
    RowValidator validator =
        new RowValidator(
            spec.dim(),
            spec.numClasses(),
            spec.featuresCol(),
            spec.labelCol(),
            spec.featureNames());
    Spec s = spec;
    return withSource
        .javaRDD()
        .mapPartitionsWithIndex(
            (partition, rows) -> packPartition(partition, rows, validator, s), true);
  }

  private static Iterator<ExampleBlock> packPartition(
      int partition, Iterator<Row> rows, RowValidator validator, Spec spec) {
    int dim = spec.dim();
    int blockRows = spec.blockRows();
    List<ExampleBlock> blocks = new ArrayList<>();
    float[] features = new float[blockRows * dim];
    int[] labels = new int[blockRows];
    int filled = 0;
    RowPosition pos = new RowPosition(spec.sourceName(), partition);
    while (nextRow(rows, pos)) {
      Row row = rows.next();
      pos.advance(row.getString(2), row.isNullAt(3) ? -1 : row.getLong(3), row.getString(5));
      try {
        filled = packRow(row, spec, validator, features, labels, filled);
      } catch (InvalidInputException e) {
        // Naming the file line re-reads the file: done for the bad row only.
        throw new InvalidInputException(e.getMessage().replace(WHERE, pos.describe()));
      }
      if (filled == blockRows) {
        blocks.add(
            new ExampleBlock(blockId(partition, blocks.size()), filled, dim, features, labels));
        features = new float[blockRows * dim];
        labels = new int[blockRows];
        filled = 0;
      }
    }
    if (filled > 0) {
      blocks.add(
          new ExampleBlock(
              blockId(partition, blocks.size()),
              filled,
              dim,
              Arrays.copyOf(features, filled * dim),
              Arrays.copyOf(labels, filled)));
    }
    return blocks.iterator();
  }

  /** Stands for the row's position in messages until one is thrown (see packPartition). */
  static final String WHERE = "\u0000row\u0000";

  /** Validates one row into the block at index {@code filled}; returns the new count. */
  static int packRow(
      Row row, Spec spec, RowValidator validator, float[] features, int[] labels, int filled) {
    int dim = spec.dim();
    String where = WHERE;
    Vector v = row.getAs(0);
    if (v == null) {
      throw new InvalidInputException(where + ": column '" + spec.featuresCol() + "' is null");
    }
    if (!row.isNullAt(4)) {
      throw new InvalidInputException(where + ": column '" + row.getString(4) + "' is empty");
    }
    validator.checkSize(v.size(), where);
    copyFeatures(v, features, filled * dim, validator, where);
    transform(
        features, filled * dim, dim, spec.featureScale(), spec.featureShift(), validator, where);
    labels[filled] = validator.checkLabel(row.get(1), where);
    return filled + 1;
  }

  /**
   * hasNext() runs Spark's reader (parsing, decompression): its failures become one line naming the
   * file and the line after the last good one, never the raw message (it can quote a row).
   */
  private static boolean nextRow(Iterator<Row> rows, RowPosition pos) {
    try {
      return rows.hasNext();
    } catch (InvalidInputException e) {
      throw e;
    } catch (Exception e) { // Scala readers throw checked exceptions (IOException) undeclared
      throw new InvalidInputException(
          pos.describeNext(ReaderErrors.file(e)) + ": " + ReaderErrors.reason(e));
    }
  }

  private static void copyFeatures(
      Vector v, float[] out, int offset, RowValidator validator, String where) {
    if (v instanceof SparseVector sv) {
      int[] idx = sv.indices();
      double[] vals = sv.values();
      for (int k = 0; k < idx.length; k++) {
        out[offset + idx[k]] = validator.toFloat(idx[k], vals[k], where);
      }
    } else {
      double[] vals = v.toArray();
      for (int k = 0; k < vals.length; k++) {
        out[offset + k] = validator.toFloat(k, vals[k], where);
      }
    }
  }

  private static void transform(
      float[] features,
      int offset,
      int dim,
      double scale,
      double shift,
      RowValidator validator,
      String where) {
    if (scale == 1.0 && shift == 0.0) {
      return;
    }
    for (int k = 0; k < dim; k++) {
      features[offset + k] = validator.transformed(k, features[offset + k], scale, shift, where);
    }
  }

  /** Block ids are unique across partitions: the partition index in the high bits. */
  static long blockId(int partition, int localIndex) {
    return ((long) partition << 32) | localIndex;
  }
}
