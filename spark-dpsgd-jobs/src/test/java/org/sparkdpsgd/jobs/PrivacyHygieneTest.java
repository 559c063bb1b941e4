package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing leaves a run outside ε by default: the number of classes is never read off the labels,
 * the un-noised training loss is neither shown nor stored unless a debugging switch marks the
 * report as leaking, σ = 0 needs --no-privacy, and the report says what it treats as public.
 */
class PrivacyHygieneTest {
  @TempDir static Path dir;
  static Path train;
  static Path test;

  @BeforeAll
  static void data() throws IOException {
    train = CliTrainTest.csv(dir, "train.csv", 600, 1);
    test = CliTrainTest.csv(dir, "test.csv", 200, 2);
  }

  static String[] args(String out, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "train",
                "--format",
                "csv",
                "--train",
                train.toString(),
                "--test",
                test.toString(),
                "--output",
                dir.resolve(out).toString(),
                "--set",
                "model.hidden=[4]",
                "--set",
                "training.expected-batch-size=100",
                "--set",
                "training.epochs=1",
                "--set",
                "progress-seconds=0"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void theNumberOfClassesMustBeGivenAndALabelBeyondItIsABadRow() throws IOException {
    CliRunner.Result r = CliRunner.run(args("no-k"));
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("data.num-classes") && r.err().contains("never inferred"), r.err());
    // One example labelled 9999 does not make a 10,000-class model: it is refused, by its line.
    String rows = Files.readString(train).replaceFirst("\n([^\n]*),\\d\n", "\n$1,9999\n");
    Path odd = Files.writeString(dir.resolve("odd-label.csv"), rows);
    r =
        CliRunner.run(
            "train",
            "--format",
            "csv",
            "--train",
            odd.toString(),
            "--test",
            "",
            "--output",
            dir.resolve("odd").toString(),
            "--set",
            "data.num-classes=3");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(
        r.err().contains("line 2")
            && r.err().contains("[0, 2] for 3 classes; provided value: 9999.0"),
        r.err());
    assertFalse(Files.exists(dir.resolve("odd/report.json")));
  }

  @Test
  void theTrainingLossIsNeitherShownNorStoredByDefault() throws IOException {
    CliRunner.Result r = CliRunner.run(args("quiet", "--set", "data.num-classes=3"));
    assertEquals(0, r.exitCode(), r.err());
    List<String> progress = r.out().lines().filter(l -> l.startsWith("step ")).toList();
    assertEquals(6, progress.size(), r.out()); // progress-seconds = 0: every one of the 6 steps
    assertTrue(progress.stream().noneMatch(l -> l.contains("loss")), r.out());
    List<String> metrics = Files.readAllLines(dir.resolve("quiet/metrics.csv"));
    assertEquals("step,epsilon,elapsed_seconds,examples_per_second", metrics.get(0));
    JsonNode report = new ObjectMapper().readTree(dir.resolve("quiet/report.json").toFile());
    assertEquals(0, report.get("leaks").size(), report.toString());
    assertEquals(3, report.get("treated_as_public").size(), report.toString());
    assertTrue(
        report.get("treated_as_public").toString().contains(test.toString()), report.toString());
    assertFalse(report.has("warning"), report.toString());
  }

  @Test
  void theDebuggingSwitchShowsTheLossAndMarksTheReportAsLeaking() throws IOException {
    CliRunner.Result r =
        CliRunner.run(
            args(
                "leaky",
                "--set",
                "data.num-classes=3",
                "--set",
                "training.debug-leak-training-loss=true"));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("WARNING: training.debug-leak-training-loss = true"), r.out());
    assertTrue(
        r.out()
            .lines()
            .anyMatch(l -> l.startsWith("step ") && l.contains("loss ") && l.contains("LEAKS")),
        r.out());
    List<String> metrics = Files.readAllLines(dir.resolve("leaky/metrics.csv"));
    assertTrue(metrics.get(0).startsWith("step,loss_UNNOISED_LEAKS,"), metrics.get(0));
    double loss = Double.parseDouble(metrics.get(1).split(",")[1]);
    assertTrue(loss > 0 && loss < 10, "a real loss: " + loss);
    JsonNode report = new ObjectMapper().readTree(dir.resolve("leaky/report.json").toFile());
    assertEquals(1, report.get("leaks").size(), report.toString());
    assertTrue(report.get("leaks").get(0).asText().contains("NOT covered"), report.toString());
  }

  @Test
  void zeroNoiseNeedsNoPrivacy() {
    CliRunner.Result r =
        CliRunner.run(
            args(
                "sigma0",
                "--set",
                "data.num-classes=3",
                "--set",
                "privacy.target-epsilon=null",
                "--set",
                "privacy.noise-multiplier=0"));
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(
        r.err().contains("privacy.noise-multiplier = 0 adds no noise")
            && r.err().contains("--no-privacy")
            && r.err().contains("--set privacy.noise-multiplier=0"),
        r.err());
    assertFalse(Files.exists(dir.resolve("sigma0")), "refused before the output directory is made");
  }

  @Test
  void testDataThatIsTheTrainingDataIsWarnedAbout() throws IOException {
    CliRunner.Result r =
        CliRunner.run(
            "train",
            "--format",
            "csv",
            "--train",
            train.toString(),
            "--test",
            train.toString(),
            "--output",
            dir.resolve("same").toString(),
            "--set",
            "data.num-classes=3",
            "--set",
            "model.hidden=[4]",
            "--set",
            "training.expected-batch-size=100",
            "--set",
            "training.epochs=1");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("WARNING: the test data is the training data"), r.out());
    JsonNode report = new ObjectMapper().readTree(dir.resolve("same/report.json").toFile());
    assertTrue(
        report.get("warning").asText().contains("test data is the training data"),
        report.toString());
  }
}
