package org.sparkdpsgd.membership;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.data.RowSubset;
import org.sparkdpsgd.data.SyntheticBlocks;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.text.TextWindows;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The experiment end to end on small synthetic data: a non-private model that memorises its few
 * rows is caught by both attacks; a strongly noised DP model is not. Plus the scores' maths and the
 * mistakes refused before any training.
 */
class MembershipInferenceTest {
  /**
   * 600 rows of 10 features in 4 classes: the teacher's labels are noisy, so fitting = memorising.
   */
  private static TrainingBlocks population() {
    return SyntheticBlocks.generate(SparkTestSession.jsc(), 600, 10, 10, 64, 17);
  }

  /** A wide MLP and many passes over about 300 rows: room and time to memorise. */
  private static DpSgdConfig recipe(long steps) {
    return new DpSgdConfig()
        .l2NormClip(1.0)
        .expectedBatchSize(100)
        .steps(steps)
        .optimizer(new OptimizerSpec("adam", 0.02, 0.9, 0.9, 0.999, 1e-8))
        .hiddenLayers(256)
        .initSeed(5);
  }

  private static DpSgdConfig nonPrivate() {
    return recipe(1500).noiseMultiplier(1.0).nonPrivate(true);
  }

  /** σ = 20 for 30 steps at q ≈ 1/3: a small ε (asserted below). */
  private static DpSgdConfig stronglyNoised() {
    return recipe(30).noiseMultiplier(20.0);
  }

  private static final class Events implements MembershipInferenceListener {
    final List<String> seen = new ArrayList<>();
    final List<Long> trainedOn = new ArrayList<>();

    @Override
    public void beforeTraining(String model, int reference, DpSgdTrainer t, TrainingPlan plan) {
      seen.add("train " + model + " " + reference);
    }

    @Override
    public void afterTraining(String model, int reference, TrainingResult r) {
      trainedOn.add(r.privacy().trainExamples());
    }

    @Override
    public void beforeScoring(String model) {
      seen.add("score " + model);
    }
  }

  @Test
  void theNonPrivateModelIsCaughtAndTheDpModelIsNot() {
    Events events = new Events();
    long t0 = System.nanoTime();
    MembershipInferenceResult r;
    try (TrainingBlocks population = population()) {
      r =
          new MembershipInference()
              .referenceModels(2)
              .attackExamples(300)
              .seed(3)
              .listener(events)
              .run(population, stronglyNoised(), nonPrivate());
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "membership inference in %.1f s (training %.1f, scoring %.1f):%n",
        seconds, r.trainingSeconds(), r.scoringSeconds());
    r.curves().forEach((name, roc) -> System.out.println("  " + name + ": " + roc));
    System.out.println("  DP: " + r.dp().target().privacy().summary());

    assertEquals(
        List.of(
            "train DP-SGD -1",
            "train non-private -1",
            "train DP-SGD 0",
            "train non-private 0",
            "train DP-SGD 1",
            "train non-private 1",
            "score DP-SGD",
            "score non-private"),
        events.seen);
    assertEquals(
        List.of(
            "DP-SGD loss", "DP-SGD offline LiRA", "non-private loss", "non-private offline LiRA"),
        List.copyOf(r.curves().keySet()));
    assertEquals(600, r.population());
    for (RocCurve roc : r.curves().values()) {
      assertEquals(150, roc.members());
      assertEquals(150, roc.nonMembers());
    }
    // Targets train on the member half, Binomial(600, 1/2): 300 ± 5 sd (61); references on half
    // of the 300 rows not attacked: 150 ± 5 sd (43). False failure below 1e-5 together.
    assertEquals(300, events.trainedOn.get(0), 5 * Math.sqrt(150));
    assertEquals(events.trainedOn.get(0), events.trainedOn.get(1), "both targets: the same rows");
    for (int k = 2; k < 6; k++) {
      assertEquals(150, events.trainedOn.get(k), 5 * Math.sqrt(75));
    }

    // Under no leakage the AUC of 150 vs 150 examples has sd sqrt(301 / (12 * 150^2)) = 0.0334.
    double sd = Math.sqrt(301.0 / (12 * 150.0 * 150.0));
    // The non-private model memorised its noisy labels: well beyond 5 sd of guessing.
    assertTrue(
        r.nonPrivate().lossAttack().auc() > 0.5 + 5 * sd, r.nonPrivate().lossAttack().toString());
    assertTrue(
        r.nonPrivate().calibratedAttack().auc() > 0.5 + 5 * sd,
        r.nonPrivate().calibratedAttack().toString());
    // The DP model: (ε, δ)-DP bounds the membership advantage, and AUC - 1/2 <= advantage, by
    // (e^ε - 1 + 2δ) / (e^ε + 1); add 4.5 sd of sampling error (false failure 7e-6 per attack).
    double eps = r.dp().target().privacy().epsilon();
    double delta = r.dp().target().privacy().delta();
    assertTrue(eps < 1.0, "strongly noised: ε = " + eps);
    double band = (Math.exp(eps) - 1 + 2 * delta) / (Math.exp(eps) + 1) + 4.5 * sd;
    assertEquals(0.5, r.dp().lossAttack().auc(), band, r.dp().lossAttack().toString());
    assertEquals(0.5, r.dp().calibratedAttack().auc(), band, r.dp().calibratedAttack().toString());
    assertTrue(seconds < 90, "took " + seconds + " s");
  }

  @Test
  void withoutReferencesOnlyTheLossAttack() {
    try (TrainingBlocks population = population()) {
      MembershipInferenceResult r =
          new MembershipInference()
              .attackExamples(100)
              .seed(4)
              .run(population, recipe(3).noiseMultiplier(5.0), recipe(3).nonPrivate(true));
      assertNull(r.dp().calibratedAttack());
      assertEquals(0, r.nonPrivate().referenceModels());
      assertEquals(List.of("DP-SGD loss", "non-private loss"), List.copyOf(r.curves().keySet()));
      assertEquals(50, r.dp().lossAttack().members());
    }
  }

  @Test
  void lossesAreTheModelsOwnAndTheStatisticIsTheLogitOfTheLabelsProbability() {
    try (TrainingBlocks population = population();
        TrainingBlocks some = population.subset(RowSubset.half(1))) {
      TrainingResult m = new DpSgdTrainer(recipe(20).nonPrivate(true)).fit(population);
      ExampleScores s = ExampleScores.of(some, m.spec(), m.params());
      assertEquals(some.numExamples(), s.losses().length);
      double mean = java.util.Arrays.stream(s.losses()).average().orElseThrow();
      // The mean of the per-example losses is the evaluation's mean loss (both in float).
      assertEquals(Evaluation.of(some, m.spec(), m.params()).meanLoss(), mean, 1e-5);
      for (int i = 0; i < s.losses().length; i++) {
        double p = Math.exp(-s.losses()[i]);
        if (p > 1e-3 && p < 1 - 1e-3) {
          assertEquals(Math.log(p / (1 - p)), s.statistics()[i], 1e-3, "example " + i);
        }
      }
    }
  }

  /** Lines of four three-letter words (15 characters and a newline): one full window each. */
  private static TrainingBlocks lines(int count) {
    String[] words = {"the", "cat", "sat", "dog", "ran", "mat", "big", "red"};
    java.util.SplittableRandom rng = new java.util.SplittableRandom(8);
    List<org.apache.spark.sql.Row> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      StringBuilder line = new StringBuilder();
      for (int k = 0; k < 4; k++) {
        line.append(k == 0 ? "" : " ").append(words[rng.nextInt(words.length)]);
      }
      for (int[] w : TextWindows.of(line.toString(), LM_WINDOW)) {
        rows.add(
            org.apache.spark.sql.RowFactory.create(
                org.apache.spark.ml.linalg.Vectors.dense(
                    java.util.Arrays.stream(w).asDoubleStream().toArray()),
                0.0));
      }
    }
    return TrainingBlocks.prepare(
        SparkTestSession.get().createDataFrame(rows, TextCorpus.schema()),
        "features",
        "label",
        0,
        0,
        64,
        "lines");
  }

  private static final int LM_WINDOW = 16;

  private static DpSgdConfig languageModel() {
    return new DpSgdConfig()
        .l2NormClip(1.0)
        .noiseMultiplier(5.0)
        .expectedBatchSize(50)
        .steps(5)
        .optimizer(new OptimizerSpec("adam", 0.02, 0.9, 0.9, 0.999, 1e-8))
        .layers(
            List.of(
                new LayerSpec.Embedding(4),
                new LayerSpec.CausalConv1D(8, 3, 1),
                LayerSpec.Activate.tanh()))
        .languageModel(LM_WINDOW, CharVocabulary.SIZE);
  }

  @Test
  void languageModelsAreScoredByTheirMeanLossPerCharacter() {
    try (TrainingBlocks windows = lines(300)) {
      TrainingResult m = new DpSgdTrainer(languageModel().nonPrivate(true)).fit(windows);
      ExampleScores s = ExampleScores.of(windows, m.spec(), m.params());
      assertEquals(300, s.losses().length);
      // Every window predicts its 15 characters after the first and the newline: the same count,
      // so the mean of the windows' losses is the evaluation's loss per character.
      double mean = java.util.Arrays.stream(s.losses()).average().orElseThrow();
      assertEquals(Evaluation.of(windows, m.spec(), m.params()).meanLoss(), mean, 1e-5);
      for (int i = 0; i < 300; i++) {
        assertEquals(-s.losses()[i], s.statistics()[i]);
      }
      MembershipInferenceResult r =
          new MembershipInference()
              .referenceModels(2)
              .attackExamples(100)
              .seed(1)
              .run(windows, languageModel(), languageModel().nonPrivate(true));
      assertEquals(4, r.curves().size());
      assertEquals(50, r.nonPrivate().calibratedAttack().nonMembers());
      assertTrue(r.nonPrivate().target().spec().isSequence());
    }
  }

  @Test
  void logSumExpLeavesOutTheLabel() {
    double[] lp = {Math.log(0.5), Math.log(0.3), Math.log(0.2)};
    assertEquals(Math.log(0.5), ExampleScores.logSumExpExcept(lp, 0), 1e-12);
    assertEquals(Math.log(0.8), ExampleScores.logSumExpExcept(lp, 2), 1e-12);
    // p(y) rounds to 1: log(1 - p(y)) would be -inf; the others' sum is still exact.
    double[] sure = {0.0, -800, -801};
    assertEquals(-800 + Math.log(1 + Math.exp(-1)), ExampleScores.logSumExpExcept(sure, 0), 1e-9);
  }

  @Test
  void offlineLiraUsesAGlobalVarianceWithFewReferences() {
    // Example 0: references 1 and 3 (mean 2, variance 2); example 1: 0 and 4 (mean 2, variance 8).
    // Two references: the pooled variance 5 for both.
    double[][] refs = {{1, 0}, {3, 4}};
    double[] z = OfflineLira.scores(new double[] {3, 0}, refs);
    assertArrayEquals(new double[] {1 / Math.sqrt(5), -2 / Math.sqrt(5)}, z, 1e-12);
    // 32 references: each example's own variance. Example 0 alternates 1, 3 (variance 32/31),
    // example 1 alternates 0, 4 (variance 4 * 32/31).
    double[][] many = new double[32][];
    for (int j = 0; j < 32; j++) {
      many[j] = j % 2 == 0 ? new double[] {1, 0} : new double[] {3, 4};
    }
    double[] z2 = OfflineLira.scores(new double[] {3, 0}, many);
    double v0 = 32.0 / 31;
    assertArrayEquals(new double[] {1 / Math.sqrt(v0), -2 / Math.sqrt(4 * v0)}, z2, 1e-12);
    // References that agree exactly: the deviation is divided by the floor 1e-12, never by 0.
    double[] z3 = OfflineLira.scores(new double[] {1, 0}, new double[][] {{0, 0}, {0, 0}});
    assertEquals(1e12, z3[0], 1.0);
    assertEquals(0.0, z3[1]);
  }

  @Test
  void refusesMistakesBeforeAnyTraining() {
    Events events = new Events();
    try (TrainingBlocks population = population()) {
      MembershipInference mia = new MembershipInference().listener(events);
      InvalidInputException tooMany =
          assertThrows(
              InvalidInputException.class,
              () -> mia.run(population, stronglyNoised(), nonPrivate()),
              "5000 attack examples from 600 rows");
      assertTrue(tooMany.getMessage().contains("provided value: 5000"), tooMany.getMessage());
      mia.attackExamples(100);
      assertThrows(
          InvalidInputException.class,
          () -> mia.run(population, nonPrivate(), nonPrivate()),
          "the DP config is not private");
      assertThrows(
          InvalidInputException.class,
          () ->
              mia.run(
                  population, stronglyNoised().checkpoints("/tmp/mia-never", 10), nonPrivate()));
      assertThrows(
          InvalidInputException.class,
          () ->
              mia.run(
                  population, recipe(3).noiseMultiplier(1).expectedBatchSize(1000), nonPrivate()),
          "a batch larger than the members fails the plan");
      assertEquals(List.of(), events.seen);
    }
    assertThrows(InvalidInputException.class, () -> new MembershipInference().referenceModels(1));
    assertThrows(InvalidInputException.class, () -> new MembershipInference().referenceModels(65));
    assertThrows(InvalidInputException.class, () -> new MembershipInference().attackExamples(7));
  }
}
