package org.sparkdpsgd.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

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
      double featureShift) implements java.io.Serializable {

    /**
     * Every feature becomes x · scale + shift while it is packed: a FIXED transform (e.g. pixels
     * from [0, 1] to [-1, 1]). Never use statistics of the private data here: they would leak.
     */
    public Spec withFeatureTransform(double scale, double shift) {
      return new Spec(featuresCol, labelCol, dim, numClasses, blockRows, sourceName, featureNames, scale, shift);
    }
  }

  /** Checks the schema on the driver: missing or mistyped columns fail before any job runs. */
  public static void checkSchema(Dataset<Row> df, String featuresCol, String labelCol, String source) {
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
          source + ": column '" + featuresCol + "' must be a vector (ml.linalg.Vector); found "
              + featuresType.simpleString() + " (assemble numeric columns with VectorAssembler)");
    }
    StructField label = df.schema().apply(labelCol);
    if (!(label.dataType() instanceof NumericType)) {
      throw new InvalidInputException(
          source + ": column '" + labelCol + "' must be numeric; found "
              + label.dataType().simpleString());
    }
  }

  /** Packs the rows into blocks (lazily; the caller persists and materialises them). */
  public static JavaRDD<ExampleBlock> pack(Dataset<Row> df, Spec spec) {
    checkSchema(df, spec.featuresCol(), spec.labelCol(), spec.sourceName());
    Dataset<Row> withSource =
        df.select(col(spec.featuresCol()), col(spec.labelCol()), input_file_name().as(SOURCE_COL));
    RowValidator validator =
        new RowValidator(
            spec.dim(), spec.numClasses(), spec.featuresCol(), spec.labelCol(), spec.featureNames());
    Spec s = spec;
    return withSource
        .javaRDD()
        .mapPartitionsWithIndex((partition, rows) -> packPartition(partition, rows, validator, s), true);
  }

  private static Iterator<ExampleBlock> packPartition(
      int partition, Iterator<Row> rows, RowValidator validator, Spec spec) {
    int dim = spec.dim();
    int blockRows = spec.blockRows();
    String sourceName = spec.sourceName();
    List<ExampleBlock> blocks = new ArrayList<>();
    float[] features = new float[blockRows * dim];
    int[] labels = new int[blockRows];
    int filled = 0;
    long rowInPartition = 0;
    while (rows.hasNext()) {
      Row row = rows.next();
      String where = describe(row.getString(2), sourceName, partition, rowInPartition++);
      Vector v = row.getAs(0);
      if (v == null) {
        throw new InvalidInputException(where + ": features vector is null");
      }
      validator.checkSize(v.size(), where);
      copyFeatures(v, features, filled * dim, validator, where);
      transform(features, filled * dim, dim, spec.featureScale(), spec.featureShift(), validator, where);
      labels[filled] = validator.checkLabel(row.get(1), where);
      filled++;
      if (filled == blockRows) {
        blocks.add(new ExampleBlock(blockId(partition, blocks.size()), filled, dim, features, labels));
        features = new float[blockRows * dim];
        labels = new int[blockRows];
        filled = 0;
      }
    }
    if (filled > 0) {
      blocks.add(
          new ExampleBlock(
              blockId(partition, blocks.size()), filled, dim,
              Arrays.copyOf(features, filled * dim), Arrays.copyOf(labels, filled)));
    }
    return blocks.iterator();
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
      float[] features, int offset, int dim, double scale, double shift, RowValidator validator, String where) {
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

  private static String describe(String file, String sourceName, int partition, long row) {
    String origin = (file == null || file.isEmpty()) ? sourceName : sourceName + " (" + file + ")";
    return origin + ", partition " + partition + " row " + row;
  }
}
