package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.Knob;
import org.sparkdpsgd.train.Knobs;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * dpsgd-defaults.conf holds exactly the knob table's defaults, and the CLI checks with the table.
 */
class KnobsAgreementTest {
  /** Keys of the CLI that are not knobs of the table (see the Knobs class comment for why). */
  private static final Set<String> CLI_ONLY =
      Set.of(
          "data.format",
          "data.train",
          "data.test",
          "data.features-col",
          "data.label-col",
          "data.num-features",
          "data.limit",
          "data.synthetic-users",
          "data.window",
          "data.record-separator",
          "model.type",
          "model.hidden",
          "model.layers",
          "model.input-shape",
          "model.window",
          "model.init-from",
          "training.no-privacy",
          "spark.master",
          "spark.app-name",
          "progress-seconds",
          "report-evaluations");

  private static Config defaults() {
    return ConfigFactory.parseResources(JobConfig.class, "/dpsgd-defaults.conf");
  }

  @Test
  void everyKnobHasItsKeyAndDefaultInTheDefaultsFile() {
    Config conf = defaults();
    for (Knob k : Knobs.ALL) {
      assertTrue(conf.hasPathOrNull(k.key()), "dpsgd-defaults.conf lacks " + k.key());
      if (!k.hasDefault()) {
        assertTrue(conf.getIsNull(k.key()), k.key() + " must be null (unset) by default");
        continue;
      }
      Object actual =
          switch (k.type()) {
            case DOUBLE -> conf.getDouble(k.key());
            case LONG -> conf.getLong(k.key());
            case INT -> conf.getInt(k.key());
            case STRING -> conf.getString(k.key());
            case BOOLEAN -> conf.getBoolean(k.key());
          };
      assertEquals(k.defaultValue(), actual, k.key());
    }
  }

  @Test
  void everyKeyOfTheDefaultsFileIsAKnobOrNamedCliOnly() {
    Set<String> unexplained = new TreeSet<>();
    // entrySet() skips null values; collect those paths too by walking the tree
    collect(defaults().root(), "", unexplained);
    for (Knob k : Knobs.ALL) {
      unexplained.remove(k.key());
    }
    unexplained.removeAll(CLI_ONLY);
    assertEquals(
        Set.of(), unexplained, "keys in dpsgd-defaults.conf that are neither a knob nor CLI-only");
  }

  private static void collect(com.typesafe.config.ConfigObject o, String prefix, Set<String> out) {
    for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
      String path = prefix + e.getKey();
      if (e.getValue().valueType() == ConfigValueType.OBJECT) {
        collect((com.typesafe.config.ConfigObject) e.getValue(), path + ".", out);
      } else {
        out.add(path);
      }
    }
  }

  @Test
  void theCliDefaultsMakeTheSameTrainerConfigAsTheTable() {
    DpSgdConfig cli = TrainerSettings.from(JobConfig.load(null, List.of()));
    DpSgdConfig table = new DpSgdConfig().hiddenLayers(256);
    assertEquals(table.l2NormClip(), cli.l2NormClip());
    assertEquals(table.delta(), cli.delta());
    assertEquals(table.optimizer(), cli.optimizer());
    assertEquals(table.emaDecay(), cli.emaDecay());
    assertEquals(table.normalisationNoiseMultiplier(), cli.normalisationNoiseMultiplier());
    assertEquals(table.normalisationWhitening(), cli.normalisationWhitening());
    assertEquals(table.cosineSchedule(), cli.cosineSchedule());
    assertEquals(table.aggregationDepth(), cli.aggregationDepth());
    assertEquals(table.blockRows(), cli.blockRows());
    assertEquals(table.featureScale(), cli.featureScale());
    assertEquals(table.featureShift(), cli.featureShift());
    assertEquals(table.accountant(), cli.accountant());
    assertEquals(table.activation(), cli.activation());
    assertEquals(table.inputNormPerExample(), cli.inputNormPerExample());
    assertEquals(table.initSeed(), cli.initSeed());
  }

  /** Per-example input normalisation is for mlp and logreg; a list of layers says it itself. */
  @Test
  void inputNormIsRefusedForALayerListNamingWhereItWasSet() {
    DpSgdConfig mlp =
        TrainerSettings.from(JobConfig.load(null, List.of("model.input-norm=per-example")));
    assertEquals(
        new org.sparkdpsgd.model.LayerSpec.GroupNorm(1, false),
        mlp.modelSpec(784, 10).layers().get(0));
    String msg =
        assertThrows(
                InvalidInputException.class,
                () ->
                    TrainerSettings.from(
                        JobConfig.load(
                            null, List.of("model.type=cnn", "model.input-norm=per-example"))))
            .getMessage();
    assertTrue(
        msg.startsWith("model.input-norm = per-example applies to model.type mlp and logreg only")
            && msg.contains("{type = groupnorm, groups = 1, affine = false}")
            && msg.contains("--set model.input-norm=per-example"),
        msg);
  }

  /** A bad value of a knob fails with the table's message, naming the key and the --set origin. */
  @Test
  void theCliRefusesBadValuesWithTheTablesMessage() {
    Map<Knob, String> bad =
        Map.ofEntries(
            Map.entry(Knobs.L2_NORM_CLIP, "0"),
            Map.entry(Knobs.DELTA, "1"),
            Map.entry(Knobs.MOMENTUM, "1.5"),
            Map.entry(Knobs.ADAM_BETA2, "1"),
            Map.entry(Knobs.ADAM_EPSILON, "0"),
            Map.entry(Knobs.LR_SCHEDULE, "linear"),
            Map.entry(Knobs.EMA_DECAY, "1"),
            Map.entry(Knobs.NORMALISATION_NOISE_MULTIPLIER, "-1"),
            Map.entry(Knobs.NORMALISATION_WHITENING, "2"),
            Map.entry(Knobs.AGGREGATION_DEPTH, "0"),
            Map.entry(Knobs.CHECKPOINT_EVERY, "0"),
            Map.entry(Knobs.BLOCK_ROWS, "-4"),
            Map.entry(Knobs.ACTIVATION, "sigmoid"),
            Map.entry(Knobs.INPUT_NORM, "batch"),
            Map.entry(Knobs.ACCOUNTANT, "gdp"),
            Map.entry(Knobs.OPTIMIZER, "rmsprop"),
            Map.entry(Knobs.LEARNING_RATE, "-0.1"),
            Map.entry(Knobs.EPOCHS, "0"));
    for (Map.Entry<Knob, String> e : bad.entrySet()) {
      String set = e.getKey().key() + "=" + e.getValue();
      String msg =
          assertThrows(
                  InvalidInputException.class,
                  () -> TrainerSettings.from(JobConfig.load(null, List.of(set))),
                  set)
              .getMessage();
      assertTrue(
          msg.startsWith(e.getKey().param() + " must ") && msg.contains("--set " + set), msg);
    }
  }
}
