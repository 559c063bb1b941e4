package org.sparkdpsgd.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.ComposedEvent;
import org.sparkdpsgd.privacy.GaussianEvent;
import org.sparkdpsgd.privacy.PoissonSampledEvent;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.PrivacyReport;
import org.sparkdpsgd.train.TrainingPlan;

/**
 * Private feature normalisation through the MLlib Estimator: a Pipeline (VectorAssembler, then
 * DPSGDClassifier with σ_n > 0 and whitening) is fitted once on features that a large common offset
 * and a shared factor make far from centred and white; the model reports the ε of the release
 * composed with its steps, classifies held-out rows well, and saves and loads with no state beyond
 * its weights (the normalisation is folded into the first dense layer).
 */
class DPSGDClassifierNormalisationTest {
  static final int D = 8;
  static final int TRAIN_ROWS = 5000;
  static final int HELD_OUT_ROWS = 1000;
  static final double TARGET_EPSILON = 3.0;
  static final double SIGMA_N = 20.0;
  static final double WHITENING = 0.3;

  static Dataset<Row> train;
  static Dataset<Row> heldOut;
  static DPSGDClassifier dp;
  static PipelineModel fitted;
  static DPSGDClassificationModel model;

  @TempDir Path dir;

  /**
   * Two classes in {@code D} columns x0..x7. Every row has a large offset (0.8 on the first half,
   * 0.3 on the second) and a shared factor g (loadings 0.3 and 0.15) that correlates all columns;
   * the class is a ±0.02 shift along (+1, +1, +1, +1, −1, −1, −1, −1) with independent noise 0.02.
   * The class shift is orthogonal to neither the offset nor g's loadings, so a model must undo
   * both: the Bayes classifier (Mahalanobis distance 5.4 between the classes) errs on about 0.4% of
   * rows, and the offset dwarfs the shift, so a model that lost the fold of the centring would
   * shift every logit far off. Rows mostly stay within the release's norm bound √D (only those with
   * g above about 1.7 are scaled down), so the private mean is close to the true one.
   */
  static Dataset<Row> offsetAndCorrelated(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    StructType schema = new StructType();
    for (int j = 0; j < D; j++) {
      schema = schema.add("x" + j, DataTypes.DoubleType);
    }
    schema = schema.add("y", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int y = rng.nextInt(2);
      double g = rng.nextGaussian();
      Object[] row = new Object[D + 1];
      for (int j = 0; j < D; j++) {
        boolean first = j < D / 2;
        double shift = (y == 1 ? 0.02 : -0.02) * (first ? 1 : -1);
        row[j] = (first ? 0.8 : 0.3) + (first ? 0.3 : 0.15) * g + shift + 0.02 * rng.nextGaussian();
      }
      row[D] = (double) y;
      rows.add(RowFactory.create(row));
    }
    return SparkTestSession.get().createDataFrame(rows, schema);
  }

  static VectorAssembler assembler() {
    String[] cols = new String[D];
    for (int j = 0; j < D; j++) {
      cols[j] = "x" + j;
    }
    return new VectorAssembler().setInputCols(cols).setOutputCol("features");
  }

  @BeforeAll
  static void fitOnce() {
    train = offsetAndCorrelated(TRAIN_ROWS, 1).cache();
    heldOut = offsetAndCorrelated(HELD_OUT_ROWS, 2).cache();
    dp =
        new DPSGDClassifier()
            .setLabelCol("y")
            .setNumClasses(2)
            .setHiddenLayers(new int[] {8})
            .setExpectedBatchSize(250)
            .setEpochs(5)
            .setLearningRate(0.5)
            .setTargetEpsilon(TARGET_EPSILON)
            .setNormalisationNoiseMultiplier(SIGMA_N)
            .setNormalisationWhitening(WHITENING);
    fitted = new Pipeline().setStages(new PipelineStage[] {assembler(), dp}).fit(train);
    model = (DPSGDClassificationModel) fitted.stages()[1];
  }

  @AfterAll
  static void release() {
    train.unpersist();
    heldOut.unpersist();
  }

  /**
   * σ is calibrated so that the release (one Gaussian mechanism of σ_n) composed with the T steps
   * spends the target ε: the report must be the plan's, the ε must also follow from composing the
   * events built here, and σ must exceed what the steps alone would need, since the release takes
   * part of the budget.
   */
  @Test
  void theReportedEpsilonAndSigmaAreThePlansWithTheReleaseComposed() {
    PrivacyReport p = model.privacyReport();
    DpSgdConfig config = dp.config();
    TrainingPlan plan = TrainingPlan.resolve(config, TRAIN_ROWS);
    assertEquals(TRAIN_ROWS, p.trainExamples());
    assertEquals(SIGMA_N, p.normalisationNoiseMultiplier());
    assertEquals(plan.steps(), p.steps());
    assertEquals(plan.samplingRate(), p.samplingRate(), 0.0);
    assertEquals(plan.noiseMultiplier(), p.noiseMultiplier(), 0.0);
    assertEquals(plan.plannedEpsilon(), p.epsilon(), 1e-12);
    assertEquals(TARGET_EPSILON, p.epsilon(), 1e-6);
    assertEquals(p.epsilon(), model.trainingSummary().get((int) p.steps() - 1).epsilon(), 1e-9);

    AccountantKind accountant = AccountantKind.parse(dp.getOrDefault(dp.accountant()));
    double delta = (Double) dp.getOrDefault(dp.delta());
    double composed =
        accountant
            .create()
            .compose(
                new ComposedEvent(
                    List.of(
                        new GaussianEvent(SIGMA_N),
                        new SelfComposedEvent(
                            new PoissonSampledEvent(
                                p.samplingRate(), new GaussianEvent(p.noiseMultiplier())),
                            Math.toIntExact(p.steps())))))
            .getEpsilon(delta);
    assertEquals(composed, p.epsilon(), 1e-9);

    TrainingPlan stepsOnly =
        TrainingPlan.resolve(config.normalisationNoiseMultiplier(0), TRAIN_ROWS);
    assertEquals(TARGET_EPSILON, stepsOnly.plannedEpsilon(), 1e-6);
    assertTrue(
        p.noiseMultiplier() > stepsOnly.noiseMultiplier() * (1 + 1e-6),
        p.noiseMultiplier() + " vs steps-only " + stepsOnly.noiseMultiplier());
    // the steps-only σ with the release on top would overspend the target
    double overspent =
        accountant
            .create()
            .compose(
                TrainingPlan.runEvent(
                    TrainingPlan.normalisationEvent(SIGMA_N),
                    stepsOnly.samplingRate(),
                    stepsOnly.noiseMultiplier(),
                    stepsOnly.steps()))
            .getEpsilon(delta);
    assertTrue(overspent > TARGET_EPSILON + 1e-6, "steps-only σ with the release: " + overspent);
  }

  /**
   * Two balanced classes: a held-out accuracy of at least 0.9 on 1000 rows cannot come from
   * guessing (P(Binomial(1000, 1/2) ≥ 900) < e^−320 by Hoeffding), nor from a model that lost the
   * fold (the raw offset is 15 to 40 times the class shift per column; with the fold removed from
   * the trainer this scored 0.50). The Bayes rate is about 0.996; ten local runs of these settings
   * (init seeds 1 to 10; the noise is secure, so every run differs) scored 0.962 to 0.989, so 0.9
   * leaves room for the DP noise. The same ten runs without normalisation scored 0.878 to 0.959.
   */
  @Test
  void heldOutRowsAreClassifiedWellDespiteTheOffsetAndCorrelation() {
    long right = fitted.transform(heldOut).filter("prediction = y").count();
    double accuracy = right / (double) HELD_OUT_ROWS;
    assertTrue(accuracy >= 0.9, "held-out accuracy " + accuracy);
  }

  /**
   * The normalisation is folded into the first dense layer's weights, so the model is the same
   * network a run without normalisation has (same spec, same number of parameters) and the saved
   * weights alone reproduce every prediction exactly.
   */
  @Test
  void aSavedAndLoadedModelPredictsExactlyTheSameWithNoExtraState() throws Exception {
    DpSgdConfig plain = dp.config().normalisationNoiseMultiplier(0);
    assertEquals(plain.modelSpec(D, 2), model.spec());
    Dataset<Row> features = assembler().transform(heldOut);
    List<Row> before =
        model
            .transform(features)
            .select("rawPrediction", "probability", "prediction")
            .collectAsList();
    String path = dir.resolve("normalised-model").toString();
    model.write().overwrite().save(path);
    DPSGDClassificationModel loaded = DPSGDClassificationModel.load(path);
    assertEquals(model.spec(), loaded.spec());
    assertArrayEquals(model.parameters(), loaded.parameters(), 0.0);
    assertEquals(model.privacyReport(), loaded.privacyReport());
    List<Row> after =
        loaded
            .transform(features)
            .select("rawPrediction", "probability", "prediction")
            .collectAsList();
    assertEquals(HELD_OUT_ROWS, after.size());
    assertEquals(before, after);
  }

  /**
   * The Pipeline assembled the columns and fitted the normalised classifier; its model transforms
   * raw column rows into the classifier's outputs, the same as the stage on assembled features, and
   * saves and loads as a whole.
   */
  @Test
  void aPipelineWithTheNormalisedClassifierFitsTransformsSavesAndLoads() throws Exception {
    assertEquals(2, fitted.stages().length);
    assertEquals(dp.uid() + "_model", model.uid());
    Dataset<Row> out = fitted.transform(heldOut);
    assertTrue(
        List.of(out.columns()).containsAll(List.of("rawPrediction", "probability", "prediction")),
        List.of(out.columns()).toString());
    List<Row> byPipeline = out.select("rawPrediction", "prediction").collectAsList();
    List<Row> byStage =
        model
            .transform(assembler().transform(heldOut))
            .select("rawPrediction", "prediction")
            .collectAsList();
    assertEquals(HELD_OUT_ROWS, byPipeline.size());
    assertEquals(byStage, byPipeline);
    String path = dir.resolve("normalised-pipeline").toString();
    fitted.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    assertEquals(
        byPipeline,
        loaded.transform(heldOut).select("rawPrediction", "prediction").collectAsList());
    assertEquals(
        SIGMA_N,
        ((DPSGDClassificationModel) loaded.stages()[1])
            .privacyReport()
            .normalisationNoiseMultiplier());
  }
}
