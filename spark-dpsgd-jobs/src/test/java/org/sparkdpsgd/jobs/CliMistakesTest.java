package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One mistake of each class (data, config, hyperparameters, paths, output), each run in a JVM of
 * its own as a user runs it: exit code 2, the console's stderr is exactly one "dpsgd: error:" line
 * holding the offending value, no stack-trace line anywhere, no step ran and no report.json.
 */
class CliMistakesTest {
  @TempDir static Path dir;
  static Path goodCsv;

  @BeforeAll
  static void data() throws IOException {
    StringBuilder good = new StringBuilder("a,b,label\n");
    for (int i = 0; i < 200; i++) {
      good.append(i % 7).append(',').append(i % 3).append(',').append(i % 2).append('\n');
    }
    goodCsv = Files.writeString(dir.resolve("good.csv"), good.toString());
  }

  /** A run on the good CSV with {@code extra} settings; its output directory is {@code out}. */
  static String[] train(String out, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "train",
                "--format",
                "csv",
                "--train",
                goodCsv.toString(),
                "--test",
                "",
                "--output",
                dir.resolve(out).toString(),
                "--set",
                "spark.master=local[1]",
                "--set",
                "data.num-classes=2",
                "--set",
                "training.expected-batch-size=20",
                "--set",
                "training.epochs=1",
                "--set",
                "progress-seconds=0"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  static String oneLineError(String out, String[] args, String value) throws Exception {
    CliProcess.Result r = CliProcess.run(dir, args);
    assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
    List<String> errLines = r.err().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, errLines.size(), "exactly one line on stderr:\n" + r.err());
    String line = errLines.get(0);
    assertTrue(line.startsWith("dpsgd: error: "), line);
    assertTrue(line.contains(value), "names the offending value " + value + ": " + line);
    for (String console : List.of(r.out(), r.err())) {
      assertFalse(
          console
              .lines()
              .anyMatch(
                  l ->
                      l.matches("\\s+at [\\w.$]+\\(.*\\)")
                          || l.startsWith("Caused by:")
                          || l.contains("Exception in thread")),
          "no stack-trace line:\n" + console);
    }
    assertFalse(r.out().contains("step 1/"), "no step ran:\n" + r.out());
    assertFalse(Files.exists(dir.resolve(out).resolve("report.json")), "no report.json");
    return line;
  }

  @Test
  void dataAnEmptyCsvCellIsNamedByFileLineAndColumn() throws Exception {
    StringBuilder rows = new StringBuilder("a,b,label\n");
    for (int i = 0; i < 100; i++) {
      rows.append(i == 77 ? "1,,0" : i % 5 + "," + i % 3 + "," + i % 2).append('\n');
    }
    Path bad = Files.writeString(dir.resolve("empty-cell.csv"), rows.toString());
    String[] args = train("data-out", "--set", "data.train=" + bad);
    String e = oneLineError("data-out", args, "line 79"); // the header is line 1, row 77 is line 79
    assertTrue(e.contains("empty-cell.csv") && e.contains("column 'b' is empty"), e);
  }

  @Test
  void configAnUnknownKeyIsNamedWithItsFileAndLine() throws Exception {
    Path conf = Files.writeString(dir.resolve("typo.conf"), "training {\n  epoch = 3\n}\n");
    String e =
        oneLineError(
            "config-out", train("config-out", "--config", conf.toString()), "training.epoch");
    assertTrue(e.contains("typo.conf"), e);
  }

  @Test
  void hyperparametersZeroNoiseIsRefusedWithoutNoPrivacy() throws Exception {
    String e =
        oneLineError(
            "hyper-out",
            train(
                "hyper-out",
                "--set",
                "privacy.target-epsilon=null",
                "--set",
                "privacy.noise-multiplier=0"),
            "privacy.noise-multiplier");
    assertTrue(e.contains("--no-privacy") && e.contains("provided value: 0"), e);
  }

  @Test
  void pathsAMissingTrainingFileIsNamed() throws Exception {
    String missing = dir.resolve("no-such.csv").toString();
    String e =
        oneLineError("paths-out", train("paths-out", "--set", "data.train=" + missing), missing);
    assertTrue(e.contains("no such file"), e);
  }

  @Test
  void outputHoldingAnotherRunIsRefusedUnlessOverwrite() throws Exception {
    Path earlier = Files.createDirectories(dir.resolve("earlier-run"));
    Files.writeString(earlier.resolve("model.json"), "{\"earlier\": true}");
    CliProcess.Result r = CliProcess.run(dir, train("earlier-run"));
    assertEquals(2, r.exitCode(), r.err());
    assertEquals(1, r.err().lines().filter(l -> !l.isBlank()).count(), r.err());
    assertTrue(
        r.err().contains("already holds a run (model.json)") && r.err().contains("--overwrite"),
        r.err());
    assertEquals(
        "{\"earlier\": true}", Files.readString(earlier.resolve("model.json")), "left as it was");
    assertFalse(r.out().contains("step 1/"), r.out());
  }
}
