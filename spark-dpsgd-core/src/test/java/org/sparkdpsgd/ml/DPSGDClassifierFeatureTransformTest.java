package org.sparkdpsgd.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * featureScale / featureShift: training packs every feature as x · scale + shift, so the fitted
 * model must apply the same transform to the raw features it scores (as the CLI evaluates its test
 * set packed with the same transform), keep it through copy(), save and load, and a model saved
 * before the transform was recorded must load with scale 1, shift 0.
 */
class DPSGDClassifierFeatureTransformTest {
  /**
   * Held-out accuracy may fall at most this far below that of a fit on the same features (the noise
   * differs between fits). Scoring raw features with a network trained on transformed ones gave
   * about 0.5-0.6 on these data, against 0.9 and more.
   */
  static final double MARGIN = 0.05;

  /**
   * Features about 10 times as large train worse under the same C, learning rate and tanh (0.83 to
   * 0.88 against 0.93 in three runs), so against the untransformed fit the (10, 5) model may fall
   * this far; still far above the 0.5-0.6 of scoring raw features.
   */
  static final double SCALED_MARGIN = 0.15;

  static Dataset<Row> train;
  static Dataset<Row> heldOut;
  static DPSGDClassificationModel plain;
  static DPSGDClassificationModel scaledShifted;
  static DPSGDClassificationModel negated;
  static Dataset<Row> trainPretransformed;
  static Dataset<Row> heldOutPretransformed;
  static DPSGDClassificationModel pretransformed;

  @TempDir Path dir;

  static VectorAssembler assembler() {
    return new VectorAssembler().setInputCols(new String[] {"x1", "x2"}).setOutputCol("features");
  }

  static DPSGDClassificationModel fit(double scale, double shift) {
    return DPSGDClassifierTest.classifier()
        .setFeatureScale(scale)
        .setFeatureShift(shift)
        .fit(train);
  }

  /** The columns as 10 x + 5, computed before the pipeline. */
  static Dataset<Row> times10Plus5(Dataset<Row> t) {
    return assembler()
        .transform(t.selectExpr("x1 * 10.0 + 5.0 AS x1", "x2 * 10.0 + 5.0 AS x2", "y"))
        .cache();
  }

  @BeforeAll
  static void fitOnce() {
    train = assembler().transform(DPSGDClassifierTest.table(2000, 1)).cache();
    heldOut = assembler().transform(DPSGDClassifierTest.table(500, 2)).cache();
    plain = fit(1.0, 0.0);
    scaledShifted = fit(10.0, 5.0);
    negated = fit(-1.0, 0.0);
    trainPretransformed = times10Plus5(DPSGDClassifierTest.table(2000, 1));
    heldOutPretransformed = times10Plus5(DPSGDClassifierTest.table(500, 2));
    pretransformed = DPSGDClassifierTest.classifier().fit(trainPretransformed);
  }

  @AfterAll
  static void release() {
    train.unpersist();
    heldOut.unpersist();
    trainPretransformed.unpersist();
    heldOutPretransformed.unpersist();
  }

  static double accuracy(DPSGDClassificationModel m, Dataset<Row> rows) {
    return m.transform(rows).filter("prediction = y").count() / (double) rows.count();
  }

  static List<Vector> heldOutFeatures() {
    List<Vector> out = new ArrayList<>();
    for (Row r : heldOut.select("features").collectAsList()) {
      out.add((Vector) r.get(0));
    }
    return out;
  }

  /**
   * The network's logits on x · scale + shift, computed here ({@code params}: the model's, one
   * array for many rows, so that NetworkForward reuses its network).
   */
  static double[] expectedLogits(
      DPSGDClassificationModel m, double[] params, Vector x, double scale, double shift) {
    double[] t = x.toArray().clone();
    for (int k = 0; k < t.length; k++) {
      t[k] = t[k] * scale + shift;
    }
    return NetworkForward.logits(m.spec(), params, t);
  }

  @Test
  void theFittedModelCarriesTheTransformItWasTrainedWith() {
    assertEquals(1.0, plain.featureScale());
    assertEquals(0.0, plain.featureShift());
    assertEquals(10.0, scaledShifted.featureScale());
    assertEquals(5.0, scaledShifted.featureShift());
    assertEquals(-1.0, negated.featureScale());
    assertEquals(0.0, negated.featureShift());
    DPSGDClassificationModel copy = scaledShifted.copy(ParamMap.empty());
    assertEquals(10.0, copy.featureScale());
    assertEquals(5.0, copy.featureShift());
  }

  /**
   * Scoring a raw row gives exactly the network's logits on the transformed row, row by row
   * (predictRaw, copy()) and through transform() on the executors; the raw row's own logits differ.
   */
  @Test
  void rawFeaturesAreTransformedBeforeTheNetwork() {
    for (DPSGDClassificationModel m : List.of(scaledShifted, negated)) {
      double s = m.featureScale();
      double t = m.featureShift();
      double[] params = m.parameters();
      List<Vector> xs = heldOutFeatures();
      DPSGDClassificationModel copy = m.copy(ParamMap.empty());
      for (Vector x : xs.subList(0, 50)) {
        double[] before = x.toArray().clone();
        double[] expected = expectedLogits(m, params, x, s, t);
        assertArrayEquals(expected, m.predictRaw(x).toArray(), 0.0, "s=" + s);
        assertArrayEquals(expected, copy.predictRaw(x).toArray(), 0.0, "copy, s=" + s);
        assertArrayEquals(before, x.toArray(), 0.0, "the input vector is left unchanged");
      }
      List<Row> scored = m.transform(heldOut).select("features", "rawPrediction").collectAsList();
      assertEquals(500, scored.size());
      int differFromRaw = 0;
      for (Row r : scored) {
        Vector x = (Vector) r.get(0);
        double[] raw = ((Vector) r.get(1)).toArray();
        assertArrayEquals(expectedLogits(m, params, x, s, t), raw, 0.0, "transform(), s=" + s);
        if (!Arrays.equals(raw, expectedLogits(m, params, x, 1.0, 0.0))) {
          differFromRaw++;
        }
      }
      assertEquals(500, differFromRaw, "logits of untransformed rows, s=" + s);
    }
  }

  /**
   * On raw held-out rows, the (10, 5) model does as well as a (1, 0) model fitted and scored on
   * rows pre-transformed to 10 x + 5 (the same data to DP-SGD), and (-1, 0) as well as (1, 0).
   */
  @Test
  void heldOutAccuracyWithATransformMatchesTheUntransformedFit() {
    double base = accuracy(plain, heldOut);
    double withScaleAndShift = accuracy(scaledShifted, heldOut);
    double withNegation = accuracy(negated, heldOut);
    double onPretransformed = accuracy(pretransformed, heldOutPretransformed);
    String all =
        "(1, 0): "
            + base
            + ", (10, 5): "
            + withScaleAndShift
            + ", (-1, 0): "
            + withNegation
            + ", (1, 0) on 10 x + 5: "
            + onPretransformed;
    System.out.println("held-out accuracy " + all);
    assertTrue(base > 0.9, all);
    assertTrue(withNegation >= base - MARGIN, all);
    assertTrue(withScaleAndShift >= onPretransformed - MARGIN, all);
    assertTrue(withScaleAndShift >= base - SCALED_MARGIN, all);
  }

  @Test
  void saveAndLoadKeepTheTransformAndEveryPrediction() throws Exception {
    String path = dir.resolve("scaled").toString();
    scaledShifted.write().overwrite().save(path);
    DPSGDClassificationModel loaded = DPSGDClassificationModel.load(path);
    assertEquals(10.0, loaded.featureScale());
    assertEquals(5.0, loaded.featureShift());
    assertEquals(scaledShifted.spec(), loaded.spec());
    assertArrayEquals(scaledShifted.parameters(), loaded.parameters(), 0.0);
    List<Row> before =
        scaledShifted
            .transform(heldOut)
            .select("rawPrediction", "probability", "prediction")
            .collectAsList();
    List<Row> after =
        loaded
            .transform(heldOut)
            .select("rawPrediction", "probability", "prediction")
            .collectAsList();
    assertEquals(500, after.size());
    assertEquals(before, after);
  }

  /**
   * A model saved before the transform was recorded (this one's data line without the two fields)
   * loads with scale 1 and shift 0 and scores raw features, as the code that saved it did; so do
   * the format fixtures.
   */
  @Test
  void aModelSavedWithoutTheTransformLoadsWithScaleOneAndShiftZero() throws Exception {
    String path = dir.resolve("old").toString();
    scaledShifted.write().overwrite().save(path);
    Path data = onlyPart(Path.of(path, "data"));
    ObjectNode d = (ObjectNode) StagePersistence.JSON.readTree(Files.readString(data));
    assertEquals(10.0, d.get("featureScale").asDouble());
    assertEquals(5.0, d.get("featureShift").asDouble());
    d.remove(List.of("featureScale", "featureShift"));
    Files.writeString(data, d.toString(), StandardCharsets.UTF_8);
    Files.deleteIfExists(data.resolveSibling("." + data.getFileName() + ".crc"));

    DPSGDClassificationModel old = DPSGDClassificationModel.load(path);
    assertEquals(1.0, old.featureScale());
    assertEquals(0.0, old.featureShift());
    double[] params = old.parameters();
    assertArrayEquals(scaledShifted.parameters(), params, 0.0);
    for (Vector x : heldOutFeatures().subList(0, 20)) {
      assertArrayEquals(expectedLogits(old, params, x, 1.0, 0.0), old.predictRaw(x).toArray(), 0.0);
    }
    for (int v = 0; v <= StagePersistence.FORMAT_VERSION; v++) {
      DPSGDClassificationModel m =
          DPSGDClassificationModel.load(getClass().getResource("/model-format-v" + v).getPath());
      assertEquals(1.0, m.featureScale(), "v" + v);
      assertEquals(0.0, m.featureShift(), "v" + v);
      assertFalse(m.toString().contains("features x"), m.toString());
    }
  }

  private static Path onlyPart(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("part-"))
          .findFirst()
          .orElseThrow();
    }
  }
}
