package org.sparkdpsgd.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.SparkTestSession;

class DPSGDClassifierTest {
  @TempDir Path dir;

  static Dataset<Row> table(int n, long seed) {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    StructType schema =
        new StructType()
            .add("x1", DataTypes.DoubleType)
            .add("x2", DataTypes.DoubleType)
            .add("y", DataTypes.DoubleType);
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      int y = rng.nextInt(2);
      rows.add(
          RowFactory.create(rng.nextGaussian() + 2 * y, rng.nextGaussian() - 2 * y, (double) y));
    }
    return SparkTestSession.get().createDataFrame(rows, schema);
  }

  static DPSGDClassifier classifier() {
    return new DPSGDClassifier()
        .setLabelCol("y")
        .setNumClasses(2)
        .setHiddenLayers(new int[] {4})
        .setExpectedBatchSize(100)
        .setEpochs(3)
        .setLearningRate(0.5)
        .setTargetEpsilon(2.0);
  }

  @Test
  void pipelineFitsSavesLoadsAndPredictsIdentically() throws Exception {
    Dataset<Row> train = table(2000, 1);
    Dataset<Row> test = table(500, 2);
    Pipeline pipeline =
        new Pipeline()
            .setStages(
                new PipelineStage[] {
                  new VectorAssembler()
                      .setInputCols(new String[] {"x1", "x2"})
                      .setOutputCol("features"),
                  classifier()
                });
    PipelineModel fitted = pipeline.fit(train);
    DPSGDClassificationModel model = (DPSGDClassificationModel) fitted.stages()[1];
    assertEquals(2.0, model.privacyReport().epsilon(), 1e-6);
    assertEquals(60, model.privacyReport().steps());
    assertEquals(60, model.trainingSummary().size());
    assertEquals(2.0, model.trainingSummary().get(59).epsilon(), 1e-6);

    List<Row> before =
        fitted.transform(test).select("rawPrediction", "probability", "prediction").collectAsList();
    String path = dir.resolve("pipeline").toString();
    fitted.write().overwrite().save(path);
    fitted.write().overwrite().save(path); // overwrite works
    PipelineModel loaded = PipelineModel.load(path);
    List<Row> after =
        loaded.transform(test).select("rawPrediction", "probability", "prediction").collectAsList();
    assertEquals(before, after);
    DPSGDClassificationModel reloaded = (DPSGDClassificationModel) loaded.stages()[1];
    assertEquals(model.uid(), reloaded.uid());
    assertEquals(model.privacyReport(), reloaded.privacyReport());

    double accuracy = fitted.transform(test).filter("prediction = y").count() / 500.0;
    assertTrue(accuracy > 0.9, "accuracy " + accuracy);
  }

  /**
   * 4 × 4 one-channel "images": class 1 has a bright vertical bar in column 1, class 0 in column 2.
   */
  static Dataset<Row> images(int n, long seed) {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      int y = rng.nextInt(2);
      double[] px = new double[16];
      for (int k = 0; k < 16; k++) {
        px[k] = rng.nextGaussian() * 0.3 + ((k % 4) == (y == 1 ? 1 : 2) ? 1.5 : 0);
      }
      rows.add(RowFactory.create(Vectors.dense(px), (double) y));
    }
    return featuresAndY(rows);
  }

  /**
   * 8 × 8 images: class 1 holds a vertical bar, class 0 a horizontal one (an orientation, as
   * wavelets see).
   */
  static Dataset<Row> bars(int n, long seed) {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      int y = rng.nextInt(2);
      int at = 2 + rng.nextInt(4);
      double[] px = new double[64];
      for (int k = 0; k < 64; k++) {
        int r = k / 8;
        int c = k % 8;
        px[k] = rng.nextGaussian() * 0.2 + ((y == 1 ? c : r) == at ? 1.0 : 0);
      }
      rows.add(RowFactory.create(Vectors.dense(px), (double) y));
    }
    return featuresAndY(rows);
  }

  /**
   * A (multiscale) scattering front end from the layers param: trained on features computed once,
   * scored by transform() through the whole network row by row; both paths must agree for the
   * accuracy to hold, and the saved model scores identically.
   */
  @Test
  void scatteringNetworkFromTheLayersParamFitsSavesAndLoads() throws Exception {
    DPSGDClassifier dp =
        new DPSGDClassifier()
            .setLabelCol("y")
            .setNumClasses(2)
            .setInputShape(new int[] {1, 8, 8})
            .setLayers(
                "[{\"type\":\"scattering\",\"scales\":2,\"angles\":4,\"multiscale\":true},"
                    + "{\"type\":\"groupnorm\",\"groups\":5}]")
            .setExpectedBatchSize(100)
            .setEpochs(4)
            .setLearningRate(2.0)
            .setL2NormClip(0.5)
            .setTargetEpsilon(3.0);
    DPSGDClassificationModel model = dp.fit(bars(2000, 5));
    // 25 maps of 2 × 2 (J = 2) and the 5 maps of J = 1 folded: 45 maps, 180 features
    assertEquals(
        new org.sparkdpsgd.model.LayerSpec.Scattering(2, 4, true), model.spec().layers().get(0));
    assertEquals(180 * 2 + 2 + 2 * 45, model.spec().numParams());
    Dataset<Row> test = bars(400, 6);
    List<Row> before = model.transform(test).select("rawPrediction", "prediction").collectAsList();
    String path = dir.resolve("scattering").toString();
    model.write().overwrite().save(path);
    DPSGDClassificationModel loaded = DPSGDClassificationModel.load(path);
    assertEquals(model.spec(), loaded.spec());
    assertEquals(
        before, loaded.transform(test).select("rawPrediction", "prediction").collectAsList());
    double accuracy = model.transform(test).filter("prediction = y").count() / 400.0;
    assertTrue(accuracy > 0.9, "accuracy " + accuracy);
  }

  /** Rows of (features vector, y) as a DataFrame. */
  static Dataset<Row> featuresAndY(List<Row> rows) {
    StructType schema =
        new StructType()
            .add("features", new org.apache.spark.ml.linalg.VectorUDT())
            .add("y", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(rows, schema);
  }

  @Test
  void convolutionalNetworkFromTheLayersParamFitsSavesAndLoads() throws Exception {
    DPSGDClassifier cnn =
        new DPSGDClassifier()
            .setLabelCol("y")
            .setNumClasses(2)
            .setInputShape(new int[] {1, 4, 4})
            .setLayers(
                "[{\"type\":\"conv2d\",\"filters\":4,\"kernel\":3,\"padding\":1},{\"type\":\"groupnorm\","
                    + "\"groups\":2},{\"type\":\"tanh\"},{\"type\":\"maxpool\",\"size\":2},{\"type\":\"flatten\"}]")
            .setExpectedBatchSize(100)
            .setEpochs(3)
            .setLearningRate(0.5)
            .setTargetEpsilon(2.0);
    DPSGDClassificationModel model = cnn.fit(images(2000, 3));
    assertEquals(
        List.of(
            new org.sparkdpsgd.model.LayerSpec.Conv2D(4, 3, 1, 1),
            new org.sparkdpsgd.model.LayerSpec.GroupNorm(2),
            org.sparkdpsgd.model.LayerSpec.Activate.tanh(),
            new org.sparkdpsgd.model.LayerSpec.Pool(true, 2, 2),
            new org.sparkdpsgd.model.LayerSpec.Flatten()),
        model.spec().layers());
    Dataset<Row> test = images(400, 4);
    List<Row> before = model.transform(test).select("rawPrediction", "prediction").collectAsList();
    String path = dir.resolve("cnn").toString();
    model.write().overwrite().save(path);
    DPSGDClassificationModel loaded = DPSGDClassificationModel.load(path);
    assertEquals(model.spec(), loaded.spec());
    assertEquals(
        before, loaded.transform(test).select("rawPrediction", "prediction").collectAsList());
    double accuracy = model.transform(test).filter("prediction = y").count() / 400.0;
    assertTrue(accuracy > 0.9, "accuracy " + accuracy);
  }

  @Test
  void batchNormAndMisfittingShapesAreRefusedBeforeTraining() {
    DPSGDClassifier c = classifier().setInputShape(new int[] {1, 2, 1});
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> c.setLayers("[{\"type\":\"batchnorm\"}]"));
    assertTrue(e.getMessage().contains("layers"), e.getMessage());
    String why =
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () ->
                    org.sparkdpsgd.model.LayerConfig.parseJson(
                        "[{\"type\":\"batchnorm\"}]", "layers param"))
            .getMessage();
    assertTrue(why.contains("groupnorm") && why.contains("batch"), why);
    c.setLayers("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":5}]");
    Dataset<Row> data = table(200, 5);
    Dataset<Row> withFeatures =
        new VectorAssembler()
            .setInputCols(new String[] {"x1", "x2"})
            .setOutputCol("features")
            .transform(data);
    String msg =
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> c.fit(withFeatures))
            .getMessage();
    assertTrue(msg.contains("conv2d(2,5x5") && msg.contains("does not fit"), msg);
  }

  @Test
  void mllibConventions() {
    DPSGDClassifier c = classifier();
    assertTrue(c.uid().startsWith("dpsgd_"));
    DPSGDClassifier copy = c.copy(new ParamMap().put(c.l2NormClip(), 0.5));
    assertNotSame(c, copy);
    assertEquals(c.uid(), copy.uid());
    assertEquals(0.5, (Double) copy.getOrDefault(copy.l2NormClip()));
    assertEquals(1.0, (Double) c.getOrDefault(c.l2NormClip()));
    String explained = c.explainParams();
    for (String p :
        new String[] {
          "l2NormClip",
          "noiseMultiplier",
          "targetEpsilon",
          "delta",
          "expectedBatchSize",
          "samplingRate",
          "epochs",
          "steps",
          "optimizer",
          "learningRate",
          "hiddenLayers",
          "activation",
          "seed",
          "aggregationDepth",
          "checkpointDir",
          "checkpointInterval",
          "featuresCol",
          "labelCol",
          "probabilityCol",
          "rawPredictionCol"
        }) {
      assertTrue(explained.contains(p + ":"), "explainParams mentions " + p);
    }
    assertTrue(explained.contains("l2NormClip: per-example gradient L2 norm bound C"), explained);
  }

  /**
   * With checkpointDir set, a fit leaves a checkpoint; fitting the same estimator again on the same
   * data resumes from it: the run is complete, so no step runs, nothing more is charged and the
   * model is the same. A fit with other settings into that directory is refused.
   */
  @Test
  void checkpointDirMakesARepeatedFitResumeInsteadOfSpendingAgain() throws Exception {
    Dataset<Row> train =
        new VectorAssembler()
            .setInputCols(new String[] {"x1", "x2"})
            .setOutputCol("features")
            .transform(table(1000, 5));
    String checkpoints = dir.resolve("checkpoints").toString();
    DPSGDClassifier c = classifier().setCheckpointDir(checkpoints).setCheckpointInterval(7);
    DPSGDClassificationModel first = c.fit(train);
    try (java.util.stream.Stream<Path> files =
        java.nio.file.Files.list(dir.resolve("checkpoints"))) {
      assertTrue(
          files.anyMatch(p -> p.getFileName().toString().startsWith("checkpoint-")),
          "a checkpoint was written");
    }
    DPSGDClassificationModel again = c.fit(train);
    assertArrayEquals(first.parameters(), again.parameters(), 0.0);
    assertEquals(first.privacyReport().steps(), again.privacyReport().steps());
    assertEquals(first.privacyReport().epsilon(), again.privacyReport().epsilon(), 1e-12);
    org.sparkdpsgd.util.InvalidInputException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            org.sparkdpsgd.util.InvalidInputException.class,
            () -> c.copy(new ParamMap().put(c.epochs(), 4.0)).fit(train));
    assertTrue(e.getMessage().contains("different run"), e.getMessage());
  }

  @Test
  void estimatorParamsRoundTrip() throws Exception {
    DPSGDClassifier c = classifier().setNoiseMultiplier(1.3).setAccountant("pld");
    String path = dir.resolve("estimator").toString();
    c.write().overwrite().save(path);
    DPSGDClassifier loaded = DPSGDClassifier.load(path);
    assertEquals(c.uid(), loaded.uid());
    assertEquals(1.3, (Double) loaded.getOrDefault(loaded.noiseMultiplier()));
    assertEquals("pld", loaded.getOrDefault(loaded.accountant()));
    assertArrayEquals(new int[] {4}, (int[]) loaded.getOrDefault(loaded.hiddenLayers()));
    assertEquals("y", loaded.getLabelCol());
  }

  @Test
  void loadsAModelSavedInFormatVersion0() {
    String path = getClass().getResource("/model-format-v0").getPath();
    DPSGDClassificationModel m = DPSGDClassificationModel.load(path);
    assertEquals("dpsgdModel_v0fixture", m.uid());
    assertEquals(2, m.numClasses());
    // logits = x W + b with W = [[1, -1], [-2, 2]], b = [0.5, -0.5]
    Vector raw = m.predictRaw(Vectors.dense(1.0, 1.0));
    assertArrayEquals(new double[] {-0.5, 0.5}, raw.toArray(), 1e-12);
    assertTrue(m.privacyReport().accountant().contains("format version 0"));
  }

  /**
   * No class count is read off the labels, and the un-noised loss is kept only when asked to leak
   * it.
   */
  @Test
  void classesAreNeverInferredAndTheLossIsKeptOnlyWhenLeakingOnPurpose() {
    Dataset<Row> train =
        new org.apache.spark.ml.feature.VectorAssembler()
            .setInputCols(new String[] {"x1", "x2"})
            .setOutputCol("features")
            .transform(table(600, 9));
    String e =
        assertThrows(
                org.sparkdpsgd.util.InvalidInputException.class,
                () -> new DPSGDClassifier().setLabelCol("y").fit(train))
            .getMessage();
    assertTrue(e.contains("numClasses") && e.contains("'y'"), e);
    DPSGDClassificationModel quiet = classifier().setEpochs(1).fit(train);
    assertTrue(
        quiet.trainingSummary().stream().allMatch(m -> Double.isNaN(m.loss())),
        "no loss by default");
    DPSGDClassificationModel leaky =
        classifier().setEpochs(1).setDebugLeakTrainingLoss(true).fit(train);
    assertTrue(
        leaky.trainingSummary().stream().allMatch(m -> m.loss() > 0 && m.loss() < 10),
        "the leaked loss");
  }
}
