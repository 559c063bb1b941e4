package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `dpsgd train` with user-level privacy: a CSV whose user column stays out of the features, steps
 * that sample users, a report that states the unit; and bad user settings refused in one line.
 */
class CliUserLevelTest {
  @TempDir Path dir;

  /** n rows of 3 features; row i belongs to user "p" + (i mod users). */
  static Path csvWithUsers(Path dir, String name, int n, int users, long seed) throws IOException {
    SplittableRandom rng = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder("x1,patient,x2,x3,label\n");
    for (int i = 0; i < n; i++) {
      int label = rng.nextInt(3);
      double[] x = new double[3];
      for (int j = 0; j < 3; j++) {
        x[j] = rng.nextGaussian() * 0.5 + (j == label ? 2 : 0);
      }
      sb.append(
          String.format(
              java.util.Locale.ROOT,
              "%.4f,p%d,%.4f,%.4f,%d%n",
              x[0],
              i % users,
              x[1],
              x[2],
              label));
    }
    return Files.writeString(dir.resolve(name), sb.toString());
  }

  CliRunner.Result train(Path out, String... extra) throws IOException {
    Path train = csvWithUsers(dir, "train.csv", 3000, 300, 1);
    Path test = CliTrainTest.csv(dir, "test.csv", 1000, 2);
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
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
                "training.expected-batch-size=60",
                "--set",
                "training.epochs=8",
                "--set",
                "privacy.target-epsilon=4.0",
                "--set",
                "privacy.delta=1e-4",
                "--set",
                "training.learning-rate=1.0",
                "--set",
                "progress-seconds=0"));
    args.addAll(java.util.List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @Test
  void trainsPerUserAndSaysSo() throws IOException {
    Path out = dir.resolve("run");
    CliRunner.Result r = train(out, "--set", "data.user-col=patient");
    assertEquals(0, r.exitCode(), r.err());
    // 300 users, 60 per step: q = 0.2, 8 epochs over the users = 40 steps.
    assertTrue(r.out().contains("user-level privacy: 300 users (3000 examples)"), r.out());
    assertTrue(r.out().contains("step 40/40"), r.out());
    assertTrue(r.out().contains(" users/s"), r.out());
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals(300, report.get("train_users").asLong());
    assertEquals(3000, report.get("train_examples").asLong());
    assertEquals(0.2, report.get("sampling_rate").asDouble(), 1e-12);
    assertEquals("add-or-remove-one-user", report.get("neighbouring").asText());
    assertTrue(report.get("privacy_unit").asText().startsWith("user-level, 300 users"));
    assertTrue(report.get("epsilon").asDouble() <= 4.0);
    // The user column is not a feature: the model reads x1, x2, x3.
    assertEquals("network 3 > dense(8) > tanh > dense(3)", report.get("model").asText());
    assertTrue(report.get("test_accuracy").asDouble() > 0.6, report.toString());
    String html = Files.readString(out.resolve("report.html"));
    assertTrue(
        html.contains("removing one user with ALL of their rows (user-level, 300 users"), html);
    assertTrue(!html.contains("The unit is one example"), html);
  }

  @Test
  void badUserSettingsFailInOneLine() throws IOException {
    CliRunner.Result missing = train(dir.resolve("a"), "--set", "data.user-col=person");
    assertEquals(2, missing.exitCode());
    assertTrue(
        missing.err().contains("missing user column 'person'"),
        "out: " + missing.out() + " err: " + missing.err());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
    CliRunner.Result micro =
        train(
            dir.resolve("b"),
            "--set",
            "data.user-col=patient",
            "--set",
            "training.num-microbatches=4");
    assertEquals(2, micro.exitCode());
    assertTrue(micro.err().contains("cannot be combined with user-level privacy"), micro.err());
    CliRunner.Result synthetic = train(dir.resolve("c"), "--set", "data.synthetic-users=10");
    assertEquals(2, synthetic.exitCode());
    assertTrue(
        synthetic.err().contains("data.synthetic-users applies to data.format = fashion-mnist"),
        synthetic.err());
  }
}
