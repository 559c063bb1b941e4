package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.testing.MiniHdfs;

/**
 * Training with everything on HDFS (a MiniDFSCluster on 127.0.0.1): train and test Parquet, output
 * and checkpoints under hdfs://127.0.0.1:PORT/...; and paths that cannot be reached or do not exist
 * fail with one line before any step.
 */
class HdfsTrainingTest {
  @TempDir static Path dir;
  static MiniHdfs hdfs;

  @BeforeAll
  static void startHdfsWithParquetData() throws IOException {
    hdfs = MiniHdfs.start(dir.resolve("hdfs").toFile(), 0);
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("hdfs-test")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    for (String split : List.of("train", "test")) {
      Path csv =
          CliTrainTest.csv(dir, split + ".csv", split.equals("train") ? 2000 : 500, split.length());
      VectorAssembler assemble =
          new VectorAssembler()
              .setInputCols(new String[] {"x1", "x2", "x3"})
              .setOutputCol("features");
      assemble
          .transform(
              spark
                  .read()
                  .option("header", "true")
                  .option("inferSchema", "true")
                  .csv(csv.toString()))
          .select("features", "label")
          .write()
          .parquet(hdfs.uri() + "/data/" + split + ".parquet");
    }
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  @Test
  void trainsFromParquetOnHdfsWithOutputAndCheckpointsOnHdfs() throws IOException {
    String base = hdfs.uri();
    CliRunner.Result r =
        CliRunner.run(
            "train",
            "--format",
            "parquet",
            "--train",
            base + "/data/train.parquet",
            "--test",
            base + "/data/test.parquet",
            "--output",
            base + "/runs/one",
            "--set",
            "data.num-classes=3",
            "--set",
            "model.hidden=[8]",
            "--set",
            "training.expected-batch-size=200",
            "--set",
            "training.steps=12",
            "--set",
            "training.epochs=null",
            "--set",
            "privacy.target-epsilon=null",
            "--set",
            "privacy.noise-multiplier=1.0",
            "--set",
            "training.learning-rate=1.0",
            "--set",
            "training.checkpoint-dir=" + base + "/runs/one-checkpoints",
            "--set",
            "training.checkpoint-every=5",
            "--set",
            "progress-seconds=0");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("in " + base + "/runs/one"), r.out());
    FileSystem fs = hdfs.fileSystem();
    JsonNode report = new ObjectMapper().readTree(read(fs, "/runs/one/report.json"));
    assertEquals(12, report.get("steps").asLong());
    assertEquals(2000, report.get("train_examples").asLong());
    assertEquals(500, report.get("test_examples").asLong());
    assertTrue(
        report.get("test_accuracy").asDouble() > 0.8, "accuracy " + report.get("test_accuracy"));
    assertEquals(13, read(fs, "/runs/one/metrics.csv").lines().count(), "header and 12 steps");
    assertTrue(read(fs, "/runs/one/model.json").contains("\"params\""));
    String[] checkpoints =
        Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path("/runs/one-checkpoints")))
            .map(s -> s.getPath().getName())
            .filter(n -> n.startsWith("checkpoint-"))
            .sorted()
            .toArray(String[]::new);
    // After steps 5 and 10 (reserving 10 and 12), then the complete one: the last two are kept.
    assertEquals(
        List.of("checkpoint-000000000012-10.json", "checkpoint-000000000012-12.json"),
        List.of(checkpoints));
  }

  @Test
  void missingAndUnreachableHdfsPathsFailWithOneLineBeforeAnyStep() {
    String base = hdfs.uri();
    List<String> common =
        List.of(
            "--format",
            "parquet",
            "--test",
            "",
            "--set",
            "data.num-classes=3",
            "--set",
            "training.steps=3",
            "--set",
            "training.epochs=null",
            "--set",
            "progress-seconds=0");
    CliRunner.Result missing =
        run(common, "--train", base + "/data/nope.parquet", "--output", base + "/runs/x");
    assertOneLineError(missing, "nope.parquet");

    // Nothing listens on port 1: the connection is refused.
    CliRunner.Result deadData =
        run(
            common,
            "--train",
            "hdfs://127.0.0.1:1/data/train.parquet",
            "--output",
            base + "/runs/y");
    assertOneLineError(deadData, "127.0.0.1:1");
    CliRunner.Result deadOutput =
        run(
            common,
            "--train",
            base + "/data/train.parquet",
            "--output",
            "hdfs://127.0.0.1:1/runs/z");
    assertOneLineError(deadOutput, "--output");
  }

  private static CliRunner.Result run(List<String> common, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("train"));
    args.addAll(common);
    args.addAll(List.of(more));
    // Fail fast on a refused connection (Hadoop retries 10 times, a second apart, by default).
    System.setProperty("spark.hadoop.ipc.client.connect.max.retries", "1");
    try {
      return CliRunner.run(args.toArray(String[]::new));
    } finally {
      System.clearProperty("spark.hadoop.ipc.client.connect.max.retries");
    }
  }

  private static void assertOneLineError(CliRunner.Result r, String names) {
    assertEquals(2, r.exitCode(), r.out() + r.err());
    List<String> lines = r.err().lines().filter(l -> l.startsWith("dpsgd: error:")).toList();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).contains(names), lines.get(0));
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(r.out().contains("step 1/"), "no step ran: " + r.out());
  }

  private static String read(FileSystem fs, String path) throws IOException {
    try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
