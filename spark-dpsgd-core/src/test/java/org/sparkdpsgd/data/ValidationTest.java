package org.sparkdpsgd.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.util.InvalidInputException;

/** Bad input fails with a message naming the value and where it came from, before any step. */
class ValidationTest {
  static final StructType SCHEMA =
      new StructType()
          .add("features", SQLDataTypes.VectorType(), true)
          .add("label", DataTypes.DoubleType, true);

  static Dataset<Row> rows(Object[]... rows) {
    List<Row> list = new ArrayList<>();
    for (Object[] r : rows) {
      list.add(RowFactory.create(r));
    }
    return SparkTestSession.get().createDataFrame(list, SCHEMA).coalesce(1);
  }

  static String failure(Dataset<Row> df, int dim, int classes) {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                TrainingBlocks.prepare(df, "features", "label", dim, classes, 100, "rows.parquet"));
    return e.getMessage();
  }

  @Test
  void nanAndInfiniteFeaturesAreNamed() {
    String m =
        failure(
            rows(
                new Object[] {Vectors.dense(1, 2), 0.0},
                new Object[] {Vectors.dense(1, Double.NaN), 1.0}),
            2,
            2);
    assertTrue(
        m.contains("rows.parquet")
            && m.contains("row 1")
            && m.contains("'features'[1]")
            && m.contains("NaN"),
        m);
    m = failure(rows(new Object[] {Vectors.dense(Double.POSITIVE_INFINITY, 2), 0.0}), 2, 2);
    assertTrue(m.contains("row 0") && m.contains("Infinity"), m);
  }

  /** Finite doubles beyond the float range, or pushed beyond it by the fixed scale, are caught. */
  @Test
  void valuesBeyondTheFloatRangeAfterNarrowingAreNamed() {
    String m =
        failure(
            rows(
                new Object[] {Vectors.dense(1, 2), 0.0},
                new Object[] {Vectors.dense(1e39, 2), 1.0}),
            2,
            2);
    assertTrue(
        m.contains("row 1")
            && m.contains("'features'[0]")
            && m.contains("1.0E39")
            && m.contains("32-bit"),
        m);
    m =
        failure(
            rows(new Object[] {Vectors.sparse(3, new int[] {2}, new double[] {-5e38}), 0.0}), 3, 2);
    assertTrue(m.contains("row 0") && m.contains("'features'[2]") && m.contains("-5.0E38"), m);
    Dataset<Row> df = rows(new Object[] {Vectors.dense(1, 3e30), 0.0});
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                TrainingBlocks.prepare(
                    df, "features", "label", 2, 2, 100, "rows.parquet", 1e9, 0.0));
    assertTrue(
        e.getMessage().contains("'features'[1]")
            && e.getMessage().contains("data.feature-scale 1.0E9")
            && e.getMessage().contains("3.0E30"),
        e.getMessage());
    // Within range after the transform: packs.
    TrainingBlocks.prepare(df, "features", "label", 2, 2, 100, "rows.parquet", 1e7, 0.0).close();
  }

  @Test
  void wrongVectorSizeIsNamed() {
    String m =
        failure(
            rows(
                new Object[] {Vectors.dense(1, 2), 0.0},
                new Object[] {Vectors.dense(1, 2, 3), 1.0}),
            2,
            2);
    assertTrue(m.contains("row 1") && m.contains("size 3") && m.contains("expects 2"), m);
  }

  @Test
  void labelsOutOfRangeOrNotIntegersAreNamed() {
    String m = failure(rows(new Object[] {Vectors.dense(1, 2), 5.0}), 2, 3);
    assertTrue(m.contains("'label'") && m.contains("[0, 2]") && m.contains("5.0"), m);
    m = failure(rows(new Object[] {Vectors.dense(1, 2), 1.5}), 2, 3);
    assertTrue(m.contains("integer") && m.contains("1.5"), m);
    m = failure(rows(new Object[] {Vectors.dense(1, 2), -1.0}), 2, 3);
    assertTrue(m.contains("-1.0"), m);
  }

  @Test
  void emptyDataAndMissingColumnsAreRejected() {
    String m = failure(rows(), 0, 0);
    assertTrue(m.contains("empty"), m);
    Dataset<Row> noLabel = rows(new Object[] {Vectors.dense(1, 2), 0.0}).drop("label");
    m =
        assertThrows(
                InvalidInputException.class,
                () -> TrainingBlocks.prepare(noLabel, "features", "label", 2, 2, 100, "x.csv"))
            .getMessage();
    assertTrue(m.contains("missing column 'label'") && m.contains("features"), m);
    Dataset<Row> notVector =
        rows(new Object[] {Vectors.dense(1, 2), 0.0})
            .withColumnRenamed("label", "y")
            .withColumnRenamed("features", "v")
            .withColumnRenamed("y", "features");
    m =
        assertThrows(
                InvalidInputException.class,
                () -> TrainingBlocks.prepare(notVector, "features", "v", 2, 2, 100, "x.csv"))
            .getMessage();
    assertTrue(m.contains("must be a vector"), m);
  }

  @Test
  void invalidHyperparametersAreRejectedWithTheValue() {
    assertEquals(
        "l2NormClip must be > 0 and finite; provided value: 0.0",
        assertThrows(InvalidInputException.class, () -> new DpSgdConfig().l2NormClip(0))
            .getMessage());
    assertTrue(
        assertThrows(InvalidInputException.class, () -> new DpSgdConfig().l2NormClip(-1))
            .getMessage()
            .contains("-1.0"));
    assertEquals(
        "noiseMultiplier must be >= 0 and finite; provided value: -0.5",
        assertThrows(InvalidInputException.class, () -> new DpSgdConfig().noiseMultiplier(-0.5))
            .getMessage());
    assertEquals(
        "samplingRate must be in (0, 1]; provided value: 1.5",
        assertThrows(InvalidInputException.class, () -> new DpSgdConfig().samplingRate(1.5))
            .getMessage());
    assertTrue(
        assertThrows(InvalidInputException.class, () -> new DpSgdConfig().samplingRate(0))
            .getMessage()
            .contains("0.0"));
  }

  @Test
  void planningChecksTheDataBeforeAnyStep() {
    TrainingBlocks data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(300, 3, 2, 1, 2), "features", "label", 0, 0, 100, "small");
    try {
      int[] steps = {0};
      DpSgdTrainer tooBig =
          new DpSgdTrainer(new DpSgdConfig().noiseMultiplier(1).expectedBatchSize(301).steps(3))
              .listener(m -> steps[0]++);
      String m = assertThrows(InvalidInputException.class, () -> tooBig.fit(data)).getMessage();
      assertTrue(m.contains("expectedBatchSize") && m.contains("301") && m.contains("300"), m);
      assertEquals(0, steps[0]);

      TrainingPlan p =
          TrainingPlan.resolve(
              new DpSgdConfig().noiseMultiplier(1).expectedBatchSize(30).steps(3).delta(0.01), 300);
      assertTrue(p.warning() != null && p.warning().contains("1/N"), "δ ≥ 1/N gives a warning");
      assertTrue(
          TrainingPlan.resolve(
                      new DpSgdConfig()
                          .noiseMultiplier(1)
                          .expectedBatchSize(30)
                          .steps(3)
                          .delta(1e-4),
                      300)
                  .warning()
              == null);

      DpSgdTrainer unreachable =
          new DpSgdTrainer(
                  new DpSgdConfig().targetEpsilon(1e-9).delta(1e-5).samplingRate(1.0).steps(1000))
              .listener(m2 -> steps[0]++);
      String u =
          assertThrows(InvalidInputException.class, () -> unreachable.fit(data)).getMessage();
      assertTrue(u.toLowerCase().contains("epsilon") || u.contains("ε"), u);
      assertEquals(0, steps[0]);

      String none =
          assertThrows(
                  InvalidInputException.class,
                  () ->
                      new DpSgdTrainer(
                              new DpSgdConfig().unsetNoise().expectedBatchSize(30).steps(3))
                          .fit(data))
              .getMessage();
      assertTrue(none.contains("noiseMultiplier or targetEpsilon"), none);
    } finally {
      data.close();
    }
  }

  /**
   * The number of classes is the label column's declared one, or refused; never the largest label.
   */
  @Test
  void numberOfClassesComesFromMetadataNeverFromTheLabels() {
    Dataset<Row> plain =
        rows(new Object[] {Vectors.dense(1, 2), 0.0}, new Object[] {Vectors.dense(3, 4), 9999.0});
    String e = failure(plain, 2, 0);
    assertTrue(
        e.contains("number of classes is not set")
            && e.contains("data.num-classes")
            && e.contains("numClasses")
            && e.contains("'label'"),
        e);
    Dataset<Row> declared =
        plain.withColumn(
            "label",
            plain
                .col("label")
                .as(
                    "label",
                    org.apache.spark.ml.attribute.NominalAttribute.defaultAttr()
                        .withNumValues(10)
                        .toMetadata()));
    e = failure(declared, 2, 0);
    assertTrue(e.contains("must be in [0, 9] for 10 classes; provided value: 9999.0"), e);
    try (TrainingBlocks ok =
        TrainingBlocks.prepare(declared.where("label < 10"), "features", "label", 0, 0, 100, "x")) {
      assertEquals(10, ok.numClasses());
    }
  }
}
