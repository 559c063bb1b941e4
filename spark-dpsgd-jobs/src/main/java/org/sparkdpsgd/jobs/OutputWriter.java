package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import java.util.Locale;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.train.StepMetrics;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;

/** Writes a run's results, model.json, metrics.csv and report.json, to a Hadoop path (local, hdfs://, s3a://). */
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

  /** Creates the directory and checks that it can be written, before any privacy is spent. */
  static OutputDir prepare(String dir) {
    HadoopPaths.requireAbsoluteInClusterMode("--output", dir);
    Path out = new Path(dir);
    FileSystem fs = HadoopPaths.fileSystem(out, HadoopPaths.configuration(), "--output");
    Path probe = new Path(out, ".dpsgd-write-check");
    try {
      fs.mkdirs(out);
      fs.create(probe, true).close();
      fs.delete(probe, false);
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("--output: cannot write to directory " + dir + ": " + HadoopPaths.firstLine(e), e);
    }
    return new OutputDir(fs, out);
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

  static void writeMetrics(OutputDir dir, TrainingResult r) throws IOException {
    try (PrintWriter w = new PrintWriter(new OutputStreamWriter(dir.fs().create(dir.file("metrics.csv"), true),
        StandardCharsets.UTF_8))) {
      w.println("step,loss,epsilon,elapsed_seconds,examples_per_second");
      for (StepMetrics m : r.metrics()) {
        w.printf(Locale.ROOT, "%d,%.6f,%s,%.3f,%.1f%n", m.step(), m.loss(),
            Double.isInfinite(m.epsilon()) ? "Infinity" : String.format(Locale.ROOT, "%.6f", m.epsilon()),
            m.elapsedSeconds(), m.examplesPerSecond());
      }
    }
  }

  static void writeReport(OutputDir dir, ObjectNode report) throws IOException {
    try (OutputStream out = dir.fs().create(dir.file("report.json"), true)) {
      JSON.writeValue(out, report);
    }
  }
}
