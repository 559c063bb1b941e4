package org.sparkdpsgd.canaries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.audit.CanaryFormat;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.audit.ModelExposures;
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
 * The experiment's plumbing on a tiny corpus and a few steps: what goes in (the canary windows),
 * the order of events, what comes out, and the mistakes refused before any step. Whether the
 * non-private model exposes the canaries and the DP one does not is {@code CanariesCliTest}'s.
 */
class SecretSharerTest {
  private static final int WINDOW = 16;
  private static final String[] WORDS = {"the", "cat", "sat", "on", "a", "mat", "dog", "ran"};
  private static final CanaryPlan PLAN =
      CanaryPlan.seeded(
          CanaryFormat.pin(),
          CanaryPlan.STANDARD_INSERTIONS,
          CanaryPlan.STANDARD_CANARIES_PER_COUNT,
          11);

  private static Dataset<Row> windows(int lines, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lines; i++) {
      StringBuilder line = new StringBuilder();
      for (int k = 0; k < 4; k++) {
        line.append(k == 0 ? "" : " ").append(WORDS[rng.nextInt(WORDS.length)]);
      }
      for (int[] w : TextWindows.of(line.toString(), WINDOW)) {
        rows.add(
            RowFactory.create(Vectors.dense(Arrays.stream(w).asDoubleStream().toArray()), 0.0));
      }
    }
    return SparkTestSession.get().createDataFrame(rows, TextCorpus.schema());
  }

  private static DpSgdConfig config() {
    return new DpSgdConfig()
        .l2NormClip(1.0)
        .noiseMultiplier(2.0)
        .expectedBatchSize(64)
        .steps(3)
        .optimizer(new OptimizerSpec("adam", 0.02, 0.9, 0.9, 0.999, 1e-8))
        .layers(
            List.of(
                new LayerSpec.Embedding(4),
                new LayerSpec.CausalConv1D(8, 3, 1),
                LayerSpec.Activate.tanh()))
        .languageModel(WINDOW, CharVocabulary.SIZE);
  }

  /** Records the order of events. */
  private static final class Events implements SecretSharerListener {
    final List<String> seen = new ArrayList<>();

    @Override
    public void beforeTraining(String model, DpSgdTrainer trainer, TrainingPlan plan) {
      seen.add("train " + model);
    }

    @Override
    public void afterTraining(String model, TrainingResult result) {
      seen.add("trained " + model);
    }

    @Override
    public void afterEvaluation(String model, Evaluation test) {
      seen.add("evaluated " + model);
    }
  }

  @Test
  void trainsBothModelsOnTheCanariesAndAuditsBoth() {
    Dataset<Row> train = windows(300, 1);
    long corpusWindows = train.count();
    Events events = new Events();
    try (TrainingBlocks test =
            TrainingBlocks.prepare(windows(40, 2), "features", "label", 0, 0, 128, "test");
        SecretSharerResult r =
            new SecretSharer(PLAN, WINDOW)
                .candidates(200)
                .seed(3)
                .listener(events)
                .run(train, test, config(), config().nonPrivate(true))) {
      assertEquals(
          List.of(
              "train " + SecretSharer.PRIVATE,
              "trained " + SecretSharer.PRIVATE,
              "train " + SecretSharer.NON_PRIVATE,
              "trained " + SecretSharer.NON_PRIVATE,
              "evaluated " + SecretSharer.PRIVATE,
              "evaluated " + SecretSharer.NON_PRIVATE),
          events.seen);
      // "my pin is dddddd" and its newline: one window of 16 characters per inserted record.
      long inserted = PLAN.trainingRecords().size();
      assertEquals(255, inserted);
      assertEquals(corpusWindows + inserted, r.trainingWindows().count());
      assertEquals(corpusWindows + inserted, r.dp().privacy().trainExamples());

      assertFalse(r.dp().privacy().nonPrivate());
      assertTrue(Double.isFinite(r.dp().privacy().epsilon()) && r.dp().privacy().epsilon() > 0);
      assertTrue(r.nonPrivate().privacy().nonPrivate());
      assertNotNull(r.dpTest());
      assertTrue(r.dpTest().targets() > 0 && r.nonPrivateTest().perplexity() > 1);

      List<ModelExposures> models = r.report().models();
      assertEquals(
          List.of(SecretSharer.PRIVATE, SecretSharer.NON_PRIVATE),
          models.stream().map(ModelExposures::model).toList());
      for (ModelExposures m : models) {
        assertEquals(ModelExposures.Method.SAMPLED, m.method());
        assertEquals(200, m.candidatesScored());
        assertEquals(PLAN.canaries().size(), m.canaries().size());
      }
      assertTrue(r.trainingWindows().storageLevel().useMemory(), "cached until closed");
      r.close();
      assertEquals(StorageLevel.NONE(), r.trainingWindows().storageLevel());
    }
  }

  @Test
  void mistakesAreRefusedBeforeAnyStep() {
    Dataset<Row> train = windows(50, 1);
    SecretSharerListener noTraining =
        new SecretSharerListener() {
          @Override
          public void beforeTraining(String model, DpSgdTrainer trainer, TrainingPlan plan) {
            throw new AssertionError("trained " + model);
          }
        };
    SecretSharer s = new SecretSharer(PLAN, WINDOW).listener(noTraining);
    InvalidInputException notPrivate =
        assertThrows(
            InvalidInputException.class,
            () -> s.run(train, null, config().nonPrivate(true), config().nonPrivate(true)));
    assertTrue(notPrivate.getMessage().contains("must be private"), notPrivate.getMessage());
    assertThrows(InvalidInputException.class, () -> s.run(train, null, config(), config()));
    InvalidInputException shared =
        assertThrows(
            InvalidInputException.class,
            () ->
                s.run(
                    train,
                    null,
                    config().checkpoints("/tmp/ckpt", 10),
                    config().nonPrivate(true).checkpoints("/tmp/ckpt", 10)));
    assertTrue(shared.getMessage().contains("of their own"), shared.getMessage());
    // The non-private model's window does not fit the data: found before the DP model trains.
    DpSgdConfig wrongWindow =
        config().nonPrivate(true).languageModel(WINDOW + 1, CharVocabulary.SIZE);
    InvalidInputException shape =
        assertThrows(InvalidInputException.class, () -> s.run(train, null, config(), wrongWindow));
    assertTrue(shape.getMessage().contains("needs rows of 18 token ids"), shape.getMessage());
    InvalidInputException few = assertThrows(InvalidInputException.class, () -> s.candidates(99));
    assertEquals(
        "the number of candidates must be in 100..1000000; provided value: 99", few.getMessage());
    assertThrows(InvalidInputException.class, () -> s.candidates(1_000_001));
    assertThrows(InvalidInputException.class, () -> new SecretSharer(PLAN, 1));
  }
}
