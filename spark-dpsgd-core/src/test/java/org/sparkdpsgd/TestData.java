package org.sparkdpsgd;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/** Synthetic classification data with a known structure: class k has mean 2·e_k (+ noise). */
public final class TestData {
  private TestData() {}

  public static Dataset<Row> gaussianClasses(
      int n, int dim, int classes, long seed, int partitions) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int label = rng.nextInt(classes);
      double[] x = new double[dim];
      for (int j = 0; j < dim; j++) {
        x[j] = rng.nextGaussian() * 0.8 + (j % classes == label ? 2.0 : 0.0);
      }
      rows.add(RowFactory.create(Vectors.dense(x), (double) label));
    }
    // The label column declares its classes in ML metadata, as a StringIndexer's output does: the
    // trainer never infers the number of classes from the labels.
    StructType schema =
        new StructType()
            .add("features", SQLDataTypes.VectorType(), false)
            .add(
                org.apache.spark.ml.attribute.NominalAttribute.defaultAttr()
                    .withName("label")
                    .withNumValues(classes)
                    .toStructField());
    return SparkTestSession.get().createDataFrame(rows, schema).repartition(partitions);
  }
}
