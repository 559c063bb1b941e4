package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `dpsgd train` end to end on CSV data: outputs, report fields and their values. */
class CliTrainTest {
  @TempDir Path dir;

  static Path csv(Path dir, String name, int n, long seed) throws IOException {
    SplittableRandom rng = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder("x1,x2,x3,label\n");
    for (int i = 0; i < n; i++) {
      int label = rng.nextInt(3);
      for (int j = 0; j < 3; j++) {
        sb.append(
            String.format(
                java.util.Locale.ROOT, "%.4f,", rng.nextGaussian() * 0.5 + (j == label ? 2 : 0)));
      }
      sb.append(label).append('\n');
    }
    return Files.writeString(dir.resolve(name), sb.toString());
  }

  @Test
  void trainsOnCsvAndWritesModelMetricsAndReport() throws IOException {
    Path train = csv(dir, "train.csv", 3000, 1);
    Path test = csv(dir, "test.csv", 1000, 2);
    Path out = dir.resolve("run");
    CliRunner.Result r =
        CliRunner.run(
            "train",
            "--format",
            "csv",
            "--train",
            train.toString(),
            "--test",
            test.toString(),
            "--output",
            out.toString(),
            "--set",
            "data.num-classes=3",
            "--set",
            "model.hidden=[8]",
            "--set",
            "training.expected-batch-size=300",
            "--set",
            "training.epochs=4",
            "--set",
            "privacy.target-epsilon=2.0",
            "--set",
            "training.learning-rate=1.0",
            "--set",
            "progress-seconds=0");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("step 40/40"), r.out());
    assertTrue(r.out().contains("test accuracy"), r.out());

    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    for (String key :
        List.of(
            "epsilon",
            "delta",
            "accountant",
            "noise_multiplier",
            "l2_norm_clip",
            "sampling_rate",
            "expected_batch_size",
            "steps",
            "epochs",
            "train_examples",
            "test_accuracy",
            "test_loss",
            "wall_seconds")) {
      assertTrue(report.has(key), "report.json has " + key);
    }
    assertEquals(40, report.get("steps").asLong());
    assertEquals(3000, report.get("train_examples").asLong());
    assertEquals(0.1, report.get("sampling_rate").asDouble(), 1e-12);
    assertTrue(
        report.get("epsilon").asDouble() <= 2.0 + 1e-6 && report.get("epsilon").asDouble() > 1.9,
        "calibrated to the target: " + report.get("epsilon"));
    assertTrue(
        report.get("test_accuracy").asDouble() > 0.85, "accuracy " + report.get("test_accuracy"));
    assertEquals("rdp", report.get("accountant").asText());
    List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(41, metrics.size());
    assertTrue(Files.size(out.resolve("model.json")) > 100);
  }

  /**
   * `dpsgd train` with a checkpoint directory: run again after it finished, it says the run is
   * complete, trains no step and reports the same ε; with other settings it is refused (exit 2).
   */
  @Test
  void rerunWithACheckpointDirResumesAndOtherSettingsAreRefused() throws IOException {
    Path train = csv(dir, "ctrain.csv", 1000, 5);
    List<String> args =
        List.of(
            "train",
            "--format",
            "csv",
            "--train",
            train.toString(),
            "--test",
            train.toString(),
            "--set",
            "data.num-classes=3",
            "--set",
            "model.hidden=[4]",
            "--set",
            "training.expected-batch-size=100",
            "--set",
            "training.epochs=2",
            "--set",
            "training.checkpoint-dir=" + dir.resolve("ckpt"),
            "--set",
            "training.checkpoint-every=5",
            "--set",
            "progress-seconds=0");
    CliRunner.Result first = CliRunner.run(concat(args, "--output", dir.resolve("a").toString()));
    assertEquals(0, first.exitCode(), first.err());
    CliRunner.Result again = CliRunner.run(concat(args, "--output", dir.resolve("b").toString()));
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(again.out().contains("this run is complete (20 steps); nothing to do"), again.out());
    assertTrue(!again.out().contains("step 1/20"), again.out());
    JsonNode a = new ObjectMapper().readTree(dir.resolve("a/report.json").toFile());
    JsonNode b = new ObjectMapper().readTree(dir.resolve("b/report.json").toFile());
    assertEquals(a.get("epsilon").asDouble(), b.get("epsilon").asDouble(), 1e-12);
    assertEquals(20, b.get("steps").asLong());
    CliRunner.Result other =
        CliRunner.run(
            concat(args, "--output", dir.resolve("c").toString(), "--set", "training.epochs=3"));
    assertEquals(2, other.exitCode(), other.out());
    assertTrue(
        other
            .err()
            .contains(
                "holds a checkpoint of a different run (steps: 20 in the checkpoint, 30 now;"),
        other.err());
  }

  /**
   * A character language model (model.type = charlm, on a text corpus) goes through the same
   * checkpoints: run again after it finished, it trains no step and reports the same ε, steps and
   * test perplexity. (Resuming after a crash, and charging the lost steps again, is
   * LanguageModelCheckpointTest's, in core.)
   */
  @Test
  void aCharLmRerunWithACheckpointDirResumesAsComplete() throws IOException {
    Path conf = CanariesCliTest.corpus(dir);
    List<String> args =
        List.of(
            "train",
            "--config",
            conf.toString(),
            "--set",
            "training.epochs=2",
            "--set",
            "training.checkpoint-dir=" + dir.resolve("lm-ckpt"),
            "--set",
            "training.checkpoint-every=5",
            "--set",
            "progress-seconds=0");
    CliRunner.Result first =
        CliRunner.run(concat(args, "--output", dir.resolve("lm-a").toString()));
    assertEquals(0, first.exitCode(), first.err());
    JsonNode a = new ObjectMapper().readTree(dir.resolve("lm-a/report.json").toFile());
    long steps = a.get("steps").asLong();
    assertTrue(steps > 5, "more than one checkpoint interval: " + steps);
    assertTrue(first.out().contains("step " + steps + "/" + steps), first.out());
    CliRunner.Result again =
        CliRunner.run(concat(args, "--output", dir.resolve("lm-b").toString()));
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(
        again.out().contains("this run is complete (" + steps + " steps); nothing to do"),
        again.out());
    assertTrue(!again.out().contains("step 1/" + steps), again.out());
    JsonNode b = new ObjectMapper().readTree(dir.resolve("lm-b/report.json").toFile());
    assertEquals(a.get("epsilon").asDouble(), b.get("epsilon").asDouble(), 1e-12);
    assertEquals(steps, b.get("steps").asLong());
    assertTrue(a.get("test_perplexity").asDouble() > 1, a.toString());
    assertEquals(a.get("test_perplexity").asDouble(), b.get("test_perplexity").asDouble(), 1e-9);
  }

  /**
   * The --no-privacy baseline says so on screen and in every field of the report that could
   * mislead.
   */
  @Test
  void noPrivacyBaselineIsMarkedAsHavingNoGuarantee() throws IOException {
    Path train = csv(dir, "ntrain.csv", 600, 7);
    CliRunner.Result r =
        CliRunner.run(
            "train",
            "--format",
            "csv",
            "--train",
            train.toString(),
            "--test",
            train.toString(),
            "--no-privacy",
            "--output",
            dir.resolve("np").toString(),
            "--set",
            "data.num-classes=3",
            "--set",
            "model.hidden=[4]",
            "--set",
            "training.expected-batch-size=100",
            "--set",
            "training.epochs=1",
            "--set",
            "progress-seconds=0");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("NO PRIVACY"), r.out());
    JsonNode report = new ObjectMapper().readTree(dir.resolve("np/report.json").toFile());
    assertTrue(report.get("non_private").asBoolean());
    assertTrue(report.get("privacy_guarantee").asText().startsWith("NONE"), report.toString());
    assertEquals("Infinity", report.get("epsilon").asText());
    assertTrue(report.get("test_accuracy").asDouble() > 0.5);
  }

  private static String[] concat(List<String> args, String... more) {
    List<String> all = new java.util.ArrayList<>(args);
    all.addAll(List.of(more));
    return all.toArray(new String[0]);
  }

  /** 4 × 4 images as CSV: the class is the column (1 or 2) of a bright vertical bar. */
  static Path imageCsv(Path dir, String name, int n, long seed) throws IOException {
    SplittableRandom rng = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < 16; k++) {
      sb.append("p").append(k).append(',');
    }
    sb.append("label\n");
    for (int i = 0; i < n; i++) {
      int label = rng.nextInt(2);
      for (int k = 0; k < 16; k++) {
        double v = rng.nextGaussian() * 0.3 + ((k % 4) == label + 1 ? 1.5 : 0);
        sb.append(String.format(java.util.Locale.ROOT, "%.4f,", v));
      }
      sb.append(label).append('\n');
    }
    return Files.writeString(dir.resolve(name), sb.toString());
  }

  /**
   * A model with a fixed scattering network: its features are computed once for the training rows
   * and once for the test rows, however many snapshots the report scores.
   */
  @Test
  void fixedLayersAreComputedOnceForTheTestSetToo() throws IOException {
    Path train = imageCsv(dir, "strain.csv", 1500, 5);
    Path test = imageCsv(dir, "stest.csv", 400, 6);
    Path out = dir.resolve("scatter");
    CliRunner.Result r =
        CliRunner.run(
            "train",
            "--format",
            "csv",
            "--train",
            train.toString(),
            "--test",
            test.toString(),
            "--output",
            out.toString(),
            "--set",
            "data.num-classes=2",
            "--set",
            "model.type=cnn",
            "--set",
            "model.input-shape=[1,4,4]",
            "--set",
            "model.layers=[{type=scattering,scales=1,angles=2}]",
            "--set",
            "training.expected-batch-size=150",
            "--set",
            "training.epochs=3",
            "--set",
            "report-evaluations=10",
            "--set",
            "progress-seconds=0");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(1, r.out().split("once for 1500 examples", -1).length - 1, r.out());
    assertEquals(1, r.out().split("once for 400 examples", -1).length - 1, r.out());
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals(400, report.get("test_examples").asLong());
    assertTrue(report.get("test_accuracy").asDouble() > 0.8, report.toString());
    assertTrue(report.get("model").asText().contains("scattering"), report.toString());
  }

  @Test
  void trainsAConvolutionalNetworkFromConfigAndSavesItsLayers() throws IOException {
    Path train = imageCsv(dir, "itrain.csv", 2000, 3);
    Path test = imageCsv(dir, "itest.csv", 500, 4);
    Path out = dir.resolve("cnn");
    CliRunner.Result r =
        CliRunner.run(
            "train",
            "--format",
            "csv",
            "--train",
            train.toString(),
            "--test",
            test.toString(),
            "--output",
            out.toString(),
            "--set",
            "data.num-classes=2",
            "--set",
            "model.type=cnn",
            "--set",
            "model.input-shape=[1,4,4]",
            "--set",
            "model.layers=[{type=conv2d,filters=4,kernel=3,padding=1},{type=groupnorm,groups=2},"
                + "{type=tempered-sigmoid},{type=avgpool,size=2},{type=flatten}]",
            "--set",
            "training.expected-batch-size=200",
            "--set",
            "training.epochs=3",
            "--set",
            "training.learning-rate=0.5",
            "--set",
            "progress-seconds=0");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode model = new ObjectMapper().readTree(out.resolve("model.json").toFile());
    assertEquals(2, model.get("format_version").asInt());
    assertEquals("[1,4,4]", model.get("input_shape").toString());
    assertEquals("conv2d", model.get("layers").get(0).get("type").asText());
    assertEquals("tempered-sigmoid", model.get("layers").get(2).get("type").asText());
    assertEquals(2.0, model.get("layers").get(2).get("scale").asDouble());
    // conv 4×(9+1), groupnorm 2×4, dense (4·2·2)×2 + 2
    assertEquals(40 + 8 + 34, model.get("params").size());
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertTrue(
        report.get("test_accuracy").asDouble() > 0.9, "accuracy " + report.get("test_accuracy"));
    assertTrue(
        report.get("model").asText().contains("conv2d(4,3x3,s1,p1)"), report.get("model").asText());
  }
}
