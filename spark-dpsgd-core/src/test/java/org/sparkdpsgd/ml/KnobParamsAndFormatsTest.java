package org.sparkdpsgd.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.Knob;
import org.sparkdpsgd.train.Knobs;
import org.sparkdpsgd.train.KnobsTest;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * DPSGDClassifier's params are the knob table's (name, doc, default, validator), every param
 * survives save/load, saved defaults are restored, and every format version's fixture loads.
 */
class KnobParamsAndFormatsTest {
  @TempDir Path dir;

  @BeforeAll
  static void spark() {
    SparkTestSession.get();
  }

  /** A valid value different from the default, for every knob. */
  static Map<String, Object> otherValues() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("l2NormClip", 0.7);
    m.put("noiseMultiplier", 1.1);
    m.put("targetEpsilon", 2.0);
    m.put("delta", 1e-6);
    m.put("accountant", "pld");
    m.put("expectedBatchSize", 128L);
    m.put("samplingRate", 0.01);
    m.put("numMicrobatches", 16);
    m.put("epochs", 7.0);
    m.put("steps", 99L);
    m.put("optimizer", "adam");
    m.put("learningRate", 0.02);
    m.put("momentum", 0.5);
    m.put("adamBeta1", 0.8);
    m.put("adamBeta2", 0.99);
    m.put("adamEpsilon", 1e-6);
    m.put("lrSchedule", "cosine");
    m.put("emaDecay", 0.99);
    m.put("normalisationNoiseMultiplier", 20.0);
    m.put("normalisationWhitening", 0.25);
    m.put("aggregationDepth", 3);
    m.put("checkpointDir", "/tmp/not-used");
    m.put("ledger", "/tmp/no-ledger");
    m.put("checkpointInterval", 7);
    m.put("featureScale", 2.0);
    m.put("featureShift", -1.0);
    m.put("blockRows", 512);
    m.put("activation", "relu");
    m.put("inputNorm", "per-example");
    m.put("seed", 42L);
    m.put("numClasses", 3);
    m.put("userCol", "person");
    m.put("maxExamplesPerUser", 20);
    m.put("debugLeakTrainingLoss", true);
    m.put("residentTasks", false);
    return m;
  }

  private static Class<?> javaType(Knob k) {
    return switch (k.type()) {
      case DOUBLE -> double.class;
      case LONG -> long.class;
      case INT -> int.class;
      case STRING -> String.class;
      case BOOLEAN -> boolean.class;
    };
  }

  private static DPSGDClassifier callSetter(DPSGDClassifier c, Knob k, Object v) throws Exception {
    String name = "set" + Character.toUpperCase(k.param().charAt(0)) + k.param().substring(1);
    Method m = DPSGDClassifier.class.getMethod(name, javaType(k));
    try {
      return (DPSGDClassifier) m.invoke(c, v);
    } catch (InvocationTargetException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void everyKnobIsAParamWithTheTablesNameDocDefaultAndValidator() throws Exception {
    DPSGDClassifier c = new DPSGDClassifier();
    Map<String, Object> bad = KnobsTest.badValues();
    for (Knob k : Knobs.ALL) {
      assertTrue(c.hasParam(k.param()), "no MLlib param " + k.param());
      Param<?> p = c.getParam(k.param());
      assertEquals(k.doc(), p.doc(), k.param());
      assertEquals(k.hasDefault(), c.hasDefault(p), k.param());
      if (k.hasDefault()) {
        assertEquals(k.defaultValue(), c.getDefault(p).get(), k.param());
      }
      if (bad.containsKey(k.param())) {
        Object v = bad.get(k.param());
        @SuppressWarnings("unchecked")
        Param<Object> po = (Param<Object>) p;
        assertFalse(po.isValid().apply(v).equals(Boolean.TRUE), k.param() + " accepts " + v);
        String msg =
            assertThrows(InvalidInputException.class, () -> callSetter(c, k, v)).getMessage();
        assertTrue(msg.startsWith(k.param() + " must "), msg);
      }
    }
  }

  @Test
  void theTrainerGetsEveryKnobFromTheParams() throws Exception {
    DPSGDClassifier c = new DPSGDClassifier();
    Map<String, Object> other = otherValues();
    for (Knob k : Knobs.ALL) {
      if (k != Knobs.TARGET_EPSILON && k != Knobs.EXPECTED_BATCH_SIZE && k != Knobs.EPOCHS) {
        callSetter(c, k, other.get(k.param()));
      }
    }
    DpSgdConfig d = c.config();
    assertEquals(0.7, d.l2NormClip());
    assertEquals(1e-6, d.delta());
    assertEquals("adam", d.optimizer().name());
    assertEquals(0.02, d.optimizer().learningRate());
    assertEquals(0.5, d.optimizer().momentum());
    assertEquals(0.8, d.optimizer().beta1());
    assertEquals(0.99, d.optimizer().beta2());
    assertEquals(1e-6, d.optimizer().epsilon());
    assertTrue(d.cosineSchedule());
    assertEquals(0.99, d.emaDecay());
    assertEquals(20.0, d.normalisationNoiseMultiplier());
    assertEquals(0.25, d.normalisationWhitening());
    assertEquals(2.0, d.featureScale());
    assertEquals(-1.0, d.featureShift());
    assertEquals(512, d.blockRows());
    assertEquals(3, d.aggregationDepth());
    assertFalse(d.residentTasks());
    assertEquals("relu", d.activation().name().toLowerCase());
    assertTrue(d.inputNormPerExample());
    assertEquals("pld", d.accountant().name().toLowerCase());
    assertEquals(42L, d.initSeed());
    assertEquals(16, d.numMicrobatches());
  }

  /**
   * Every param (table knobs, structure, Spark's columns) set to a non-default value, saved,
   * loaded.
   */
  @Test
  void everyParamRoundTripsThroughSaveAndLoad() throws Exception {
    DPSGDClassifier c = new DPSGDClassifier();
    Map<String, Object> other = otherValues();
    for (Knob k : Knobs.ALL) {
      assertTrue(other.containsKey(k.param()), "no other value for " + k.param() + " in this test");
      Object v = other.get(k.param());
      if (k.hasDefault()) {
        assertFalse(v.equals(k.defaultValue()), k.param());
      }
      callSetter(c, k, v);
    }
    c.setHiddenLayers(new int[] {5, 3})
        .setLayers("[{\"type\":\"dense\",\"units\":3},{\"type\":\"relu\"}]")
        .setInputShape(new int[] {1, 2, 1})
        .setFeaturesCol("f")
        .setLabelCol("l")
        .setPredictionCol("p")
        .setProbabilityCol("pr")
        .setRawPredictionCol("r")
        .setThresholds(new double[] {0.4, 0.6});
    for (Param<?> p : c.params()) {
      assertTrue(
          c.isSet(p), "this test leaves " + p.name() + " unset: give it a non-default value");
    }
    String path = dir.resolve("all-params").toString();
    c.write().overwrite().save(path);
    DPSGDClassifier loaded = DPSGDClassifier.load(path);
    assertEquals(c.uid(), loaded.uid());
    assertEquals(c.params().length, loaded.params().length);
    for (Param<?> raw : c.params()) {
      @SuppressWarnings("unchecked")
      Param<Object> p = (Param<Object>) raw;
      Param<Object> q = (Param<Object>) (Param<?>) loaded.getParam(p.name());
      assertTrue(loaded.isSet(q), p.name());
      assertEquals(p.jsonEncode(c.getOrDefault(p)), q.jsonEncode(loaded.getOrDefault(q)), p.name());
      if (c.hasDefault(p)) {
        assertEquals(
            p.jsonEncode(c.getDefault(p).get()),
            q.jsonEncode(loaded.getDefault(q).get()),
            p.name());
      }
    }
  }

  /**
   * A stage saved with other defaults (as by a release whose defaults differ from this one's) keeps
   * them after load: a changed default cannot silently change σ, ε or C of a reloaded estimator.
   */
  @Test
  void savedDefaultsWinOverTheCurrentDefaults() throws Exception {
    DPSGDClassifier c = new DPSGDClassifier().setHiddenLayers(new int[] {4});
    String path = dir.resolve("defaults").toString();
    c.write().save(path);
    Path meta = onlyPart(Path.of(path, "metadata"));
    ObjectNode m = (ObjectNode) StagePersistence.JSON.readTree(Files.readString(meta));
    assertEquals(3, m.get("formatVersion").asInt());
    ObjectNode defaults = (ObjectNode) m.get("defaultParamMap");
    for (Knob k : Knobs.ALL) {
      assertEquals(k.hasDefault(), defaults.has(k.param()), "defaultParamMap has " + k.param());
    }
    defaults
        .put("targetEpsilon", 8.0)
        .put("l2NormClip", 5.0)
        .put("epochs", 2.0)
        .put("learningRate", 0.3);
    rewrite(meta, m.toString());
    DPSGDClassifier loaded = DPSGDClassifier.load(path);
    assertFalse(loaded.isSet(loaded.targetEpsilon()));
    assertEquals(8.0, loaded.getOrDefault(loaded.targetEpsilon()));
    assertEquals(5.0, loaded.config().l2NormClip());
    assertEquals(2.0, loaded.getOrDefault(loaded.epochs()));
    assertEquals(0.3, loaded.config().optimizer().learningRate());
    assertArrayEquals(new int[] {4}, loaded.getOrDefault(loaded.hiddenLayers()));
  }

  /** Replaces a part file and drops its checksum (which Hadoop's local file system would check). */
  private static void rewrite(Path part, String content) throws Exception {
    Files.writeString(part, content, StandardCharsets.UTF_8);
    Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc"));
  }

  private static Path onlyPart(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("part-"))
          .findFirst()
          .orElseThrow();
    }
  }

  private String fixture(String name) {
    return getClass().getResource("/" + name).getPath();
  }

  /** Fixtures v1, v2 were saved by the code at f621ddd and 7992428; v3 by this code. */
  @Test
  void modelFixturesOfEveryVersionLoadAndScoreAlike() {
    for (int v = 1; v <= StagePersistence.FORMAT_VERSION; v++) {
      DPSGDClassificationModel m = DPSGDClassificationModel.load(fixture("model-format-v" + v));
      assertEquals("dpsgdModel_v" + v + "fixture", m.uid());
      assertEquals(2, m.numClasses());
      assertEquals(2, m.numFeatures());
      // the logits the writing code printed for x = (0.5, -1)
      assertArrayEquals(
          new double[] {-0.5201373075094763, 0.3851489523872873},
          m.predictRaw(Vectors.dense(0.5, -1.0)).toArray(),
          1e-12,
          "v" + v);
      assertEquals("prob", m.getProbabilityCol());
      assertEquals("features", m.getFeaturesCol());
      assertEquals(1.3, m.privacyReport().noiseMultiplier());
      assertEquals(0.7, m.privacyReport().l2NormClip());
      assertEquals(50, m.privacyReport().steps());
    }
  }

  @Test
  void estimatorFixturesOfEveryVersionKeepTheirSettingsAndTheirDefaults() {
    for (int v = 1; v <= StagePersistence.FORMAT_VERSION; v++) {
      DPSGDClassifier c = DPSGDClassifier.load(fixture("estimator-format-v" + v));
      assertEquals("dpsgd_v" + v + "fixture", c.uid());
      DpSgdConfig d = c.config();
      assertEquals(0.7, d.l2NormClip());
      assertEquals("momentum", d.optimizer().name());
      assertEquals(0.25, d.optimizer().learningRate());
      assertArrayEquals(new int[] {3}, d.hiddenLayers());
      assertEquals(1.3, c.getOrDefault(c.noiseMultiplier()));
      assertEquals(64L, c.getOrDefault(c.expectedBatchSize()));
      assertEquals(50L, c.getOrDefault(c.steps()));
      assertEquals(1e-5, d.delta());
      assertEquals(0.9, d.optimizer().momentum());
      assertEquals(0.0, d.emaDecay());
      assertFalse(d.cosineSchedule());
      assertFalse(c.isSet(c.epochs()));
    }
    // Versions 1 and 2 recorded no defaults: they get those of the code that wrote them, not
    // today's.
    for (int v = 1; v <= 2; v++) {
      DPSGDClassifier c = DPSGDClassifier.load(fixture("estimator-format-v" + v));
      assertEquals(10.0, c.getOrDefault(c.epochs()), "v" + v);
      assertEquals(0.1, c.getDefault(c.learningRate()).get(), "v" + v);
      assertEquals(256L, c.getDefault(c.expectedBatchSize()).get(), "v" + v);
    }
    DPSGDClassifier v3 = DPSGDClassifier.load(fixture("estimator-format-v3"));
    assertEquals(60.0, v3.getOrDefault(v3.epochs()));
    assertEquals(0.15, v3.getDefault(v3.learningRate()).get());
  }

  @Test
  void aNewerFormatIsRefused() throws Exception {
    String path = dir.resolve("future").toString();
    new DPSGDClassifier().write().save(path);
    Path meta = onlyPart(Path.of(path, "metadata"));
    rewrite(meta, Files.readString(meta).replace("\"formatVersion\":3", "\"formatVersion\":4"));
    String e =
        assertThrows(InvalidInputException.class, () -> DPSGDClassifier.load(path)).getMessage();
    assertTrue(e.contains("format version 4 is newer"), e);
  }
}
