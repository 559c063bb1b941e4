package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's mistake ends with exit code 2 and one line naming the value and its origin; no stack
 * trace, and no output directory content (nothing was trained, nothing was charged).
 */
class CliErrorsTest {
  @TempDir static Path dir;
  static Path goodCsv;
  static Path nanCsv;

  @BeforeAll
  static void data() throws IOException {
    StringBuilder good = new StringBuilder("a,b,label\n");
    for (int i = 0; i < 200; i++) {
      good.append(i % 7).append(',').append(i % 3).append(',').append(i % 2).append('\n');
    }
    goodCsv = Files.writeString(dir.resolve("good.csv"), good.toString());
    nanCsv = Files.writeString(dir.resolve("nan.csv"), "a,b,label\n1,2,0\n3,NaN,1\n");
  }

  static String userError(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
    String err = r.err().strip();
    assertTrue(err.startsWith("dpsgd: error: "), err);
    assertFalse(err.contains("\n"), "one line: " + err);
    assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
    return err;
  }

  String[] train(String... extra) {
    String[] base = {
      "train",
      "--format",
      "csv",
      "--train",
      goodCsv.toString(),
      "--test",
      "",
      "--output",
      dir.resolve("out").toString(),
      "--set",
      "data.num-classes=2",
      "--set",
      "training.expected-batch-size=20",
      "--set",
      "training.epochs=1"
    };
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  @Test
  void badHyperparametersNameTheSettingAndItsOrigin() {
    String e = userError(train("--set", "privacy.l2-norm-clip=0"));
    assertTrue(
        e.contains("l2NormClip must be > 0")
            && e.contains("0.0")
            && e.contains("--set privacy.l2-norm-clip=0"),
        e);
    e =
        userError(
            train("--set", "privacy.target-epsilon=null", "--set", "privacy.noise-multiplier=-1"));
    assertTrue(e.contains("noiseMultiplier") && e.contains("-1.0"), e);
    e =
        userError(
            train(
                "--set",
                "training.expected-batch-size=null",
                "--set",
                "training.sampling-rate=1.5"));
    assertTrue(e.contains("samplingRate must be in (0, 1]") && e.contains("1.5"), e);
    e = userError(train("--set", "training.expected-batch-size=5000"));
    assertTrue(e.contains("expectedBatchSize") && e.contains("5000") && e.contains("200"), e);
    // q = 1 over 1000 steps: no noise multiplier up to 1e6 reaches ε = 1e-9.
    e =
        userError(
            train(
                "--set",
                "privacy.target-epsilon=1e-9",
                "--set",
                "training.expected-batch-size=200",
                "--set",
                "training.epochs=1000"));
    assertTrue(e.contains("unreachable"), e);
    assertTrue(e.toLowerCase().contains("epsilon") || e.contains("ε"), e);
  }

  @Test
  void badNetworksAreRefusedWithTheLayerAndSetting() {
    String e =
        userError(
            train(
                "--set",
                "model.type=cnn",
                "--set",
                "model.input-shape=[1,2,1]",
                "--set",
                "model.layers=[{type=conv2d,filters=4,kernel=3},{type=batchnorm}]"));
    assertTrue(
        e.contains("model.layers layer 2") && e.contains("batchnorm") && e.contains("groupnorm"),
        e);
    e =
        userError(
            train(
                "--set",
                "model.type=cnn",
                "--set",
                "model.input-shape=[1,2,1]",
                "--set",
                "model.layers=[{type=conv2d,filters=4,kernel=3}]"));
    assertTrue(e.contains("conv2d(4,3x3") && e.contains("does not fit"), e);
    e =
        userError(
            train(
                "--set",
                "model.type=cnn",
                "--set",
                "model.input-shape=[1,28,28]",
                "--set",
                "model.layers=[{type=flatten}]"));
    assertTrue(e.contains("1x28x28") && e.contains("784") && e.contains("2 features"), e);
    e = userError(train("--set", "model.type=cnn", "--set", "model.layers=[{type=dense,unit=3}]"));
    assertTrue(e.contains("unknown key unit"), e);
    assertFalse(Files.exists(dir.resolve("out").resolve("report.json")));
  }

  @Test
  void unknownSettingsAndFormatsAreRejected() {
    String e = userError(train("--set", "training.epoch=3"));
    assertTrue(e.contains("unknown setting 'training.epoch'"), e);
    e =
        userError(
            "train",
            "--format",
            "xlsx",
            "--train",
            goodCsv.toString(),
            "--output",
            dir.resolve("o").toString());
    assertTrue(e.contains("xlsx"), e);
  }

  @Test
  void badRowsNameFileRowAndColumn() {
    String e =
        userError(
            "train",
            "--format",
            "csv",
            "--train",
            nanCsv.toString(),
            "--test",
            "",
            "--output",
            dir.resolve("out2").toString(),
            "--set",
            "data.num-classes=2");
    // the file's line 3 (header, then the good row)
    assertTrue(
        e.contains("nan.csv")
            && e.contains("line 3")
            && e.contains("column 'b'")
            && e.contains("NaN"),
        e);
    assertFalse(Files.exists(dir.resolve("out2").resolve("report.json")));
  }

  @Test
  void missingFilesAreNamed() {
    String e =
        userError(
            "train",
            "--format",
            "parquet",
            "--test",
            "",
            "--train",
            dir.resolve("nope.parquet").toString(),
            "--output",
            dir.resolve("out3").toString());
    assertTrue(e.contains("nope.parquet"), e);
    e =
        userError(
            "train",
            "--config",
            dir.resolve("missing.conf").toString(),
            "--output",
            dir.resolve("o").toString());
    assertTrue(e.contains("missing.conf"), e);
  }
}
