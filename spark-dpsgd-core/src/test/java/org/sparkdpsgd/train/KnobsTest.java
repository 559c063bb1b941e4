package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/** The knob table is well formed, and DpSgdConfig's defaults and checks are the table's. */
public class KnobsTest {
  /** A value each knob must refuse (every knob but the seed, which takes any long). */
  public static Map<String, Object> badValues() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("l2NormClip", 1e-31);
    m.put("noiseMultiplier", -1.0);
    m.put("targetEpsilon", 0.0);
    m.put("delta", 1.0);
    m.put("accountant", "gdp");
    m.put("expectedBatchSize", 0L);
    m.put("samplingRate", 1.5);
    m.put("numMicrobatches", -1);
    m.put("epochs", -1.0);
    m.put("steps", 0L);
    m.put("optimizer", "rmsprop");
    m.put("learningRate", 0.0);
    m.put("momentum", 1.0);
    m.put("adamBeta1", 1.0);
    m.put("adamBeta2", -0.1);
    m.put("adamEpsilon", 0.0);
    m.put("lrSchedule", "linear");
    m.put("emaDecay", 1.0);
    m.put("normalisationNoiseMultiplier", -0.5);
    m.put("normalisationWhitening", 1.5);
    m.put("aggregationDepth", 0);
    m.put("checkpointDir", " ");
    m.put("ledger", "");
    m.put("checkpointInterval", 0);
    m.put("featureScale", Double.NaN);
    m.put("featureShift", Double.POSITIVE_INFINITY);
    m.put("blockRows", 0);
    m.put("activation", "sigmoid");
    m.put("inputNorm", "batch");
    m.put("numClasses", -1);
    m.put("userCol", " ");
    m.put("maxExamplesPerUser", -1);
    return m;
  }

  @Test
  void namesAreUniqueAndDefaultsPassTheirValidators() {
    Set<String> keys = new HashSet<>();
    Set<String> params = new HashSet<>();
    for (Knob k : Knobs.ALL) {
      assertTrue(keys.add(k.key()), "duplicate key " + k.key());
      assertTrue(params.add(k.param()), "duplicate param " + k.param());
      assertTrue(k.key().matches("(privacy|training|data|model)\\.[a-z0-9-]+"), k.key());
      assertTrue(k.param().matches("[a-z][A-Za-z0-9]*"), k.param());
      assertTrue(k.doc().length() > 10, k.param() + " needs a doc");
      assertEquals(k.defaultValue(), k.check(k.defaultValue()));
      assertEquals(k, Knobs.byParam(k.param()));
    }
  }

  @Test
  void everyKnobRefusesABadValueWithTheUniformMessage() {
    Map<String, Object> bad = badValues();
    for (Knob k : Knobs.ALL) {
      if (k == Knobs.INIT_SEED
          || k == Knobs.DEBUG_LEAK_TRAINING_LOSS
          || k == Knobs.RESIDENT_TASKS) { // every value is valid
        continue;
      }
      assertTrue(bad.containsKey(k.param()), "no bad value for " + k.param() + " in this test");
      Object v = bad.get(k.param());
      String msg =
          assertThrows(InvalidInputException.class, () -> k.check(v), k.param()).getMessage();
      assertTrue(msg.startsWith(k.param() + " must ") && msg.contains("; provided value: "), msg);
      assertTrue(!k.accepts(v));
    }
    assertEquals(
        "l2NormClip must be > 0 and finite; provided value: -1.0",
        assertThrows(InvalidInputException.class, () -> Knobs.L2_NORM_CLIP.check(-1.0))
            .getMessage());
    assertTrue(
        assertThrows(InvalidInputException.class, () -> Knobs.EPOCHS.check(3L))
            .getMessage()
            .contains("epochs must be a double"));
  }

  @Test
  void dpSgdConfigDefaultsAreTheTables() {
    DpSgdConfig c = new DpSgdConfig();
    Map<Knob, Object> actual = new LinkedHashMap<>();
    actual.put(Knobs.L2_NORM_CLIP, c.l2NormClip);
    actual.put(Knobs.NOISE_MULTIPLIER, Double.isNaN(c.noiseMultiplier) ? null : c.noiseMultiplier);
    actual.put(Knobs.TARGET_EPSILON, c.targetEpsilon);
    actual.put(Knobs.DELTA, c.delta);
    actual.put(Knobs.ACCOUNTANT, c.accountant.name().toLowerCase());
    actual.put(Knobs.EXPECTED_BATCH_SIZE, c.expectedBatchSize);
    actual.put(Knobs.SAMPLING_RATE, Double.isNaN(c.samplingRate) ? null : c.samplingRate);
    actual.put(Knobs.NUM_MICROBATCHES, c.numMicrobatches);
    actual.put(Knobs.EPOCHS, c.epochs);
    actual.put(Knobs.STEPS, c.steps == 0 ? null : c.steps);
    actual.put(Knobs.OPTIMIZER, c.optimizer.name());
    actual.put(Knobs.LEARNING_RATE, c.optimizer.learningRate());
    actual.put(Knobs.MOMENTUM, c.optimizer.momentum());
    actual.put(Knobs.ADAM_BETA1, c.optimizer.beta1());
    actual.put(Knobs.ADAM_BETA2, c.optimizer.beta2());
    actual.put(Knobs.ADAM_EPSILON, c.optimizer.epsilon());
    actual.put(Knobs.LR_SCHEDULE, c.cosineSchedule ? "cosine" : "constant");
    actual.put(Knobs.EMA_DECAY, c.emaDecay);
    actual.put(Knobs.NORMALISATION_NOISE_MULTIPLIER, c.normalisationNoiseMultiplier);
    actual.put(Knobs.NORMALISATION_WHITENING, c.normalisationWhitening);
    actual.put(Knobs.AGGREGATION_DEPTH, c.aggregationDepth);
    actual.put(Knobs.CHECKPOINT_DIR, c.checkpointDir);
    actual.put(Knobs.LEDGER, c.ledger);
    actual.put(Knobs.CHECKPOINT_EVERY, c.checkpointEvery);
    actual.put(Knobs.FEATURE_SCALE, c.featureScale);
    actual.put(Knobs.FEATURE_SHIFT, c.featureShift);
    actual.put(Knobs.BLOCK_ROWS, c.blockRows);
    actual.put(Knobs.ACTIVATION, c.activation.name().toLowerCase());
    actual.put(Knobs.INPUT_NORM, c.inputNormPerExample ? "per-example" : "none");
    actual.put(Knobs.INIT_SEED, c.initSeed);
    actual.put(Knobs.DEBUG_LEAK_TRAINING_LOSS, c.leakTrainingLoss);
    actual.put(Knobs.RESIDENT_TASKS, c.residentTasks);
    // The number of classes and the user grouping belong to the data (TrainingBlocks.prepare
    // takes them), not to the trainer.
    Set<Knob> trainerKnobs = new java.util.HashSet<>(Knobs.ALL);
    trainerKnobs.remove(Knobs.NUM_CLASSES);
    trainerKnobs.remove(Knobs.USER_COL);
    trainerKnobs.remove(Knobs.MAX_EXAMPLES_PER_USER);
    assertEquals(trainerKnobs, actual.keySet(), "every trainer knob is compared");
    for (Map.Entry<Knob, Object> e : actual.entrySet()) {
      assertEquals(e.getKey().defaultValue(), e.getValue(), e.getKey().param());
    }
    // The defaults make a complete run: nothing else has to be set.
    c.requireComplete();
    assertNull(c.checkpointDir);
  }

  @Test
  void dpSgdConfigSettersUseTheTablesValidators() {
    Map<String, Object> bad = badValues();
    DpSgdConfig c = new DpSgdConfig();
    assertEquals(
        Knobs.L2_NORM_CLIP.accepts(bad.get("l2NormClip")) ? "" : "refused",
        refusal(() -> c.l2NormClip((Double) bad.get("l2NormClip"))));
    assertEquals("refused", refusal(() -> c.delta((Double) bad.get("delta"))));
    assertEquals("refused", refusal(() -> c.emaDecay((Double) bad.get("emaDecay"))));
    assertEquals(
        "refused",
        refusal(
            () ->
                c.normalisationNoiseMultiplier((Double) bad.get("normalisationNoiseMultiplier"))));
    assertEquals(
        "refused",
        refusal(() -> c.normalisationWhitening((Double) bad.get("normalisationWhitening"))));
    assertEquals("refused", refusal(() -> c.lrSchedule((String) bad.get("lrSchedule"))));
    assertEquals("refused", refusal(() -> c.featureTransform(Double.NaN, 0)));
    assertEquals("refused", refusal(() -> c.checkpoints(" ", 5)));
    assertEquals("refused", refusal(() -> c.checkpoints(null, 0)));
    assertEquals("refused", refusal(() -> c.blockRows(0)));
    assertTrue(c.lrSchedule("Cosine").cosineSchedule());
  }

  private static String refusal(Runnable r) {
    try {
      r.run();
      return "";
    } catch (InvalidInputException e) {
      return "refused";
    }
  }
}
