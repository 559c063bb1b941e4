package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.RdpAccountant;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.text.TextWindows;

/**
 * A character language model goes through checkpoints like a classifier ({@link CheckpointTest}):
 * resumed after a crash it ends with the uninterrupted run's weights, and the accountant continues
 * from the checkpoint's charge, paying again for the steps the crash lost.
 */
class LanguageModelCheckpointTest {
  private static final int WINDOW = 16;
  private static final int STEPS = 30;
  private static final int EVERY = 10;
  private static final double Q = 0.05;
  private static final double SIGMA = 1.3;
  private static final String[] WORDS = {"the", "cat", "sat", "on", "a", "mat", "dog", "ran"};
  private static TrainingBlocks data;

  @BeforeAll
  static void setUp() {
    SplittableRandom rng = new SplittableRandom(4);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      StringBuilder line = new StringBuilder();
      for (int k = 0; k < 5; k++) {
        line.append(k == 0 ? "" : " ").append(WORDS[rng.nextInt(WORDS.length)]);
      }
      for (int[] w : TextWindows.of(line.toString(), WINDOW)) {
        rows.add(
            RowFactory.create(Vectors.dense(Arrays.stream(w).asDoubleStream().toArray()), 0.0));
      }
    }
    data =
        TrainingBlocks.prepare(
            SparkTestSession.get().createDataFrame(rows, TextCorpus.schema()),
            "features",
            "label",
            0,
            0,
            128,
            "windows");
  }

  @AfterAll
  static void tearDown() {
    data.close();
  }

  /** Adam (the optimizer with the most state) and EMA, as in {@link CheckpointTest}. */
  private static DpSgdConfig config() {
    return new DpSgdConfig()
        .l2NormClip(0.5)
        .noiseMultiplier(SIGMA)
        .samplingRate(Q)
        .steps(STEPS)
        .optimizer(new OptimizerSpec("adam", 0.02, 0.9, 0.9, 0.999, 1e-8))
        .layers(
            List.of(
                new LayerSpec.Embedding(4),
                new LayerSpec.CausalConv1D(8, 3, 1),
                LayerSpec.Activate.tanh()))
        .languageModel(WINDOW, CharVocabulary.SIZE)
        .initSeed(3)
        .emaDecay(0.9);
  }

  /** Zero noise and a fixed sampling key, so that the resumed run can be compared bit for bit. */
  private static DpSgdTrainer trainer(DpSgdConfig c) {
    return new DpSgdTrainer(c)
        .noiseSourceForTesting(NoiseSources.zeroForTesting())
        .samplingKeyForTesting(SamplingKey.forTesting(21))
        .doublePrecisionForTesting(true);
  }

  private static double rdpEpsilon(long steps) {
    return new RdpAccountant()
        .compose(TrainingPlan.stepEvent(Q, SIGMA), (int) steps)
        .getEpsilon(1e-5);
  }

  @Test
  void resumedLanguageModelEqualsTheUninterruptedOneAndPaysForTheLostSteps(@TempDir Path dir) {
    TrainingResult uninterrupted = trainer(config()).fit(data);
    assertTrue(uninterrupted.spec().isSequence());
    assertEquals(STEPS, uninterrupted.privacy().steps());
    assertEquals(rdpEpsilon(STEPS), uninterrupted.privacy().epsilon(), 1e-12);

    DpSgdConfig c = config().checkpoints(dir.toString(), EVERY);
    // Dies after step 15: the last checkpoint is after step 10 and reserved steps 11..20.
    assertThrows(
        IllegalStateException.class,
        () ->
            trainer(c)
                .listener(
                    m -> {
                      if (m.step() == 15) {
                        throw new IllegalStateException("simulated driver crash after step 15");
                      }
                    })
                .fit(data));
    AtomicInteger stepsRun = new AtomicInteger();
    TrainingResult resumed = trainer(c).listener(m -> stepsRun.incrementAndGet()).fit(data);

    assertEquals(STEPS - EVERY, stepsRun.get(), "steps 11..30 run again");
    assertArrayEquals(uninterrupted.params(), resumed.params(), 1e-9);
    assertEquals(STEPS, resumed.metrics().size());
    // Charged: 20 (the checkpoint's reservation, covering the lost steps 11..15) + 20 (11..30).
    assertEquals(2 * EVERY + (STEPS - EVERY), resumed.privacy().steps());
    assertEquals(rdpEpsilon(40), resumed.privacy().epsilon(), 1e-12);

    // Run again, the complete run is neither trained nor charged again.
    AtomicInteger again = new AtomicInteger();
    TrainingResult done = trainer(c).listener(m -> again.incrementAndGet()).fit(data);
    assertEquals(0, again.get());
    assertArrayEquals(resumed.params(), done.params(), 0.0);
    assertEquals(resumed.privacy().epsilon(), done.privacy().epsilon(), 1e-12);
  }
}
