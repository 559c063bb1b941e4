package org.sparkdpsgd.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkdpsgd.model.LayerConfig;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Starting weights for fine-tuning (CLI {@code model.init-from}): the parameters of a model that
 * {@code dpsgd train} wrote ({@code model.json}), used instead of a random initialisation. Nothing
 * here is charged: the model must have been trained on public data (or its cost accounted
 * elsewhere), and the run's ε covers only the run's own data. The saved network must be the run's,
 * layer for layer, so that each parameter lands where it was learnt.
 */
public final class InitialModel {
  /** The {@code format} field of a model written by {@code dpsgd train}. */
  public static final String FORMAT = "spark-dpsgd-model";

  private static final ObjectMapper JSON = new ObjectMapper();

  private InitialModel() {}

  /**
   * The parameters in {@code location} (any Hadoop path) for {@code spec}; an {@link
   * InvalidInputException} naming the file when it cannot be read, is not such a model, holds
   * another network or a non-finite parameter.
   */
  public static double[] read(String location, ModelSpec spec, Configuration hadoop) {
    JsonNode model;
    try {
      Path path = new Path(location);
      try (InputStream in = path.getFileSystem(hadoop).open(path)) {
        model = JSON.readTree(in);
      }
    } catch (IOException | IllegalArgumentException e) {
      // Jackson's messages add the source position on further lines: the first line says it
      String why =
          e instanceof com.fasterxml.jackson.core.JsonProcessingException j
              ? j.getOriginalMessage()
              : String.valueOf(e.getMessage());
      throw invalid(
          location, "cannot be read as JSON (" + why.lines().findFirst().orElse("") + ")");
    }
    if (model == null || !FORMAT.equals(model.path("format").asText())) {
      throw invalid(
          location, "is not a model written by dpsgd train (no \"format\": \"" + FORMAT + "\")");
    }
    ModelSpec saved = savedSpec(model, location);
    if (!saved.equals(spec)) {
      throw invalid(
          location,
          "holds the network " + saved.describe() + ", but this run trains " + spec.describe());
    }
    JsonNode params = model.path("params");
    if (!params.isArray() || params.size() != spec.numParams()) {
      throw invalid(
          location,
          "holds "
              + (params.isArray() ? params.size() : 0)
              + " parameters; its network has "
              + spec.numParams());
    }
    double[] p = new double[params.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = params.get(i).asDouble(Double.NaN);
      if (!params.get(i).isNumber() || !Double.isFinite(p[i])) {
        throw invalid(location, "parameter " + i + " is not a finite number: " + params.get(i));
      }
    }
    return p;
  }

  private static ModelSpec savedSpec(JsonNode model, String location) {
    try {
      JsonNode shape = model.get("input_shape");
      return new ModelSpec(
          new Shape(shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt()),
          LayerConfig.parseJson(model.get("layers").toString(), location + " layers"),
          model.get("num_classes").asInt());
    } catch (InvalidInputException e) {
      throw invalid(location, "holds a network that cannot be built: " + e.getMessage());
    } catch (NullPointerException | IllegalArgumentException e) {
      throw invalid(location, "has no readable network (input_shape, layers, num_classes)");
    }
  }

  private static InvalidInputException invalid(String location, String what) {
    return new InvalidInputException("model.init-from: " + location + " " + what);
  }
}
