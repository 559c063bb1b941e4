package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.train.StepMetrics;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Writes a run's results, model.json, metrics.csv and report.json, to a Hadoop path (local,
 * hdfs://, s3a://).
 */
final class OutputWriter {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private OutputWriter() {}

  /** The output directory on any Hadoop file system (local, hdfs://, s3a://). */
  record OutputDir(FileSystem fs, Path dir) {
    Path file(String name) {
      return new Path(dir, name);
    }

    @Override
    public String toString() {
      return fs.makeQualified(dir).toString();
    }
  }

  /** The files a finished run leaves; a directory holding any of them holds another run. */
  static final java.util.List<String> RUN_FILES =
      java.util.List.of("report.json", "model.json", "metrics.csv", "repeat.json");

  /**
   * Creates the directory and checks that it can be written, before any privacy is spent. A
   * directory holding another run's results is refused unless {@code overwrite}: those results may
   * be the only record of privacy already spent.
   */
  static OutputDir prepare(String dir, boolean overwrite) {
    HadoopPaths.requireAbsoluteInClusterMode("--output", dir);
    Path out = new Path(dir);
    FileSystem fs = HadoopPaths.fileSystem(out, HadoopPaths.configuration(), "--output");
    Path probe = new Path(out, ".dpsgd-write-check");
    try {
      if (fs.exists(out) && !fs.getFileStatus(out).isDirectory()) {
        throw new InvalidInputException("--output: " + dir + " is a file, not a directory");
      }
      if (!overwrite) {
        for (String name : RUN_FILES) {
          if (fs.exists(new Path(out, name))) {
            throw new InvalidInputException(
                "--output: "
                    + dir
                    + " already holds a run ("
                    + name
                    + "); choose"
                    + " another directory, or add --overwrite to replace it");
          }
        }
      }
      fs.mkdirs(out);
      fs.create(probe, true).close();
      fs.delete(probe, false);
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidInputException user) {
        throw user;
      }
      throw new InvalidInputException(
          "--output: cannot write to directory " + dir + ": " + HadoopPaths.firstLine(e), e);
    }
    return new OutputDir(fs, out);
  }

  /** A local file in the output directory for Spark's task logs, or one in the temp directory. */
  static java.nio.file.Path localLogFile(OutputDir dir, String name) {
    if ("file".equals(dir.fs().getUri().getScheme())) {
      return java.nio.file.Path.of(dir.fs().makeQualified(dir.file(name)).toUri());
    }
    return java.nio.file.Path.of(
        System.getProperty("java.io.tmpdir"),
        "dpsgd-" + ProcessHandle.current().pid() + "-" + name);
  }

  static void writeModel(OutputDir dir, TrainingResult r) throws IOException {
    ObjectNode model = JSON.createObjectNode();
    model.put("format", "spark-dpsgd-model");
    model.put("format_version", 2);
    model.put("description", r.spec().describe());
    Shape in = r.spec().input();
    model.putArray("input_shape").add(in.channels()).add(in.height()).add(in.width());
    // The same layer objects as the config's model.layers (a dense output layer follows them).
    model.putPOJO("layers", r.spec().layers().stream().map(LayerSpec::toMap).toList());
    model.put("num_classes", r.spec().numClasses());
    model.putPOJO("params", r.params());
    try (OutputStream out = dir.fs().create(dir.file("model.json"), true)) {
      JSON.writeValue(out, model);
    }
  }

  /**
   * One line per step: step, ε, time. The training loss column is there only when the run leaks it
   * on purpose ({@code training.debug-leak-training-loss}): it is computed without noise.
   */
  static void writeMetrics(OutputDir dir, TrainingResult r, boolean withLoss) throws IOException {
    try (PrintWriter w =
        new PrintWriter(
            new OutputStreamWriter(
                dir.fs().create(dir.file("metrics.csv"), true), StandardCharsets.UTF_8))) {
      w.println(
          withLoss
              ? "step,loss_UNNOISED_LEAKS,epsilon,elapsed_seconds,examples_per_second"
              : "step,epsilon,elapsed_seconds,examples_per_second");
      for (StepMetrics m : r.metrics()) {
        String eps =
            Double.isInfinite(m.epsilon())
                ? "Infinity"
                : String.format(Locale.ROOT, "%.6f", m.epsilon());
        String loss = withLoss ? String.format(Locale.ROOT, "%.6f,", m.loss()) : "";
        w.printf(
            Locale.ROOT,
            "%d,%s%s,%.3f,%.1f%n",
            m.step(),
            loss,
            eps,
            m.elapsedSeconds(),
            m.examplesPerSecond());
      }
    }
  }

  static void writeReport(OutputDir dir, ObjectNode report) throws IOException {
    try (OutputStream out = dir.fs().create(dir.file("report.json"), true)) {
      JSON.writeValue(out, report);
    }
  }
}
