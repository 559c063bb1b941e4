package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.model.FeatureLayout;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.TrainingPlan;

/** The configs shipped in conf/ load, use only known keys, and say what the README promises. */
class ShippedConfigsTest {
  static String conf(String name) {
    return new File("../conf", name).getPath();
  }

  @Test
  void fashionMnistMlpConfigIsTheReadmeRecipe() {
    JobConfig c = JobConfig.load(conf("fashion-mnist-mlp.conf"), List.of());
    DpSgdConfig d = TrainerSettings.from(c);
    assertEquals("fashion-mnist", c.string("data.format"));
    assertEquals(List.of(256), c.integers("model.hidden"));
    assertEquals("tanh", c.string("model.activation"));
    // each image standardised by its own statistics before the 784-256-10 network
    assertTrue(d.inputNormPerExample());
    assertEquals(new LayerSpec.GroupNorm(1, false), d.modelSpec(784, 10).layers().get(0));
    assertEquals(784 * 256 + 256 + 256 * 10 + 10, d.modelSpec(784, 10).numParams());
    assertEquals(3.0, c.number("privacy.target-epsilon"));
    assertEquals(1e-5, d.delta());
    assertEquals("rdp", c.string("privacy.accountant"));
    assertFalse(d.isNonPrivate());
  }

  @Test
  void fashionMnistCnnConfigIsPrivateAtEpsilon3AndIsTheDefaultCnn() {
    JobConfig c = JobConfig.load(conf("fashion-mnist-cnn.conf"), List.of());
    DpSgdConfig d = TrainerSettings.from(c);
    assertEquals("cnn", c.string("model.type"));
    assertEquals(3.0, c.number("privacy.target-epsilon"));
    assertEquals(1e-5, d.delta());
    assertEquals("rdp", c.string("privacy.accountant"));
    assertFalse(d.isNonPrivate());
    ModelSpec spec = d.modelSpec(784, 10);
    assertTrue(
        spec.layers().stream().anyMatch(l -> l instanceof LayerSpec.Conv2D), spec.describe());
    // `dpsgd bench --model cnn` (no config) benchmarks this same network.
    DpSgdConfig defaults = TrainerSettings.from(JobConfig.load(null, List.of("model.type=cnn")));
    assertEquals(spec, defaults.modelSpec(784, 10));
  }

  /** The README's first command: ScatterNet + linear, everything before the classifier fixed. */
  @Test
  void fashionMnistScatterConfigIsPrivateAtEpsilon3AndTrainsOnlyALinearLayer() throws Exception {
    JobConfig c = JobConfig.load(conf("fashion-mnist-scatter.conf"), List.of());
    DpSgdConfig d = TrainerSettings.from(c);
    assertEquals(3.0, c.number("privacy.target-epsilon"));
    assertEquals(1e-5, d.delta());
    assertEquals("rdp", c.string("privacy.accountant"));
    assertFalse(d.isNonPrivate());
    ModelSpec spec = d.modelSpec(784, 10);
    // scattering, groupnorm and the appended image are fixed: only the linear layer is trained
    assertEquals(3, spec.fixedLayers(), spec.describe());
    assertTrue(spec.trainable().layers().isEmpty(), spec.describe());
    assertEquals((81 * 7 * 7 + 784) * 10 + 10, spec.numParams());
    // the features are centred and channel-whitened with privately released statistics, whose
    // release the plan composes with the 367 steps (σ from dp_accounting: 4.0596, not 4.049)
    assertEquals(20.0, c.number("privacy.normalisation-noise-multiplier"));
    assertEquals(0.3, c.number("training.normalisation-whitening"));
    assertEquals(
        new FeatureLayout(81, 49),
        FeatureLayout.of(spec),
        "the channels whitened: 81 maps of 7 x 7");
    TrainingPlan plan = TrainingPlan.resolve(d, 60_000);
    assertEquals(367, plan.steps());
    assertEquals(4.0595594097855665, plan.noiseMultiplier(), 1e-6 * 4.06);
    String readme =
        java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"))
            .lines()
            .limit(8)
            .reduce("", String::concat);
    assertTrue(readme.contains("--config conf/fashion-mnist-scatter.conf"), readme);
  }

  @Test
  void overridesWinAndNameTheirOrigin() {
    JobConfig c =
        JobConfig.load(
            conf("fashion-mnist-mlp.conf"), List.of("training.epochs=7", "spark.master=local[3]"));
    assertEquals(7.0, c.number("training.epochs"));
    assertEquals("local[3]", c.string("spark.master"));
    assertTrue(
        c.origin("training.epochs").contains("--set training.epochs=7"),
        c.origin("training.epochs"));
    assertTrue(
        c.origin("model.hidden").contains("fashion-mnist-mlp.conf"), c.origin("model.hidden"));
  }
}
