package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.train.StepMetrics;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;

/** Writes a run's results: model.json, metrics.csv and report.json. */
final class OutputWriter {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private OutputWriter() {}

  static Path prepare(String dir) {
    Path out = Path.of(dir);
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new InvalidInputException("--output: cannot create directory " + dir + ": " + e.getMessage(), e);
    }
    if (!Files.isWritable(out)) {
      throw new InvalidInputException("--output: directory " + dir + " is not writable");
    }
    return out;
  }

  static void writeModel(Path dir, TrainingResult r) throws IOException {
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
    JSON.writeValue(dir.resolve("model.json").toFile(), model);
  }

  static void writeMetrics(Path dir, TrainingResult r) throws IOException {
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("metrics.csv")))) {
      w.println("step,loss,epsilon,elapsed_seconds,examples_per_second");
      for (StepMetrics m : r.metrics()) {
        w.printf(Locale.ROOT, "%d,%.6f,%s,%.3f,%.1f%n", m.step(), m.loss(),
            Double.isInfinite(m.epsilon()) ? "Infinity" : String.format(Locale.ROOT, "%.6f", m.epsilon()),
            m.elapsedSeconds(), m.examplesPerSecond());
      }
    }
  }

  static void writeReport(Path dir, ObjectNode report) throws IOException {
    JSON.writeValue(dir.resolve("report.json").toFile(), report);
  }
}
