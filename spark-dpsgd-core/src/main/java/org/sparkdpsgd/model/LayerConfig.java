package org.sparkdpsgd.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Layers from their config form, a list of objects such as {@code {type = conv2d, filters = 16,
 * kernel = 8, stride = 2, padding = 3}} (HOCON in job configs, JSON in the MLlib {@code layers}
 * param and in saved models). Unknown types and keys are errors naming the layer and where it came
 * from.
 */
public final class LayerConfig {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LayerConfig() {}

  public static List<LayerSpec> parse(List<? extends Map<String, ?>> layers, String where) {
    List<LayerSpec> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      out.add(parseOne(layers.get(i), where + " layer " + (i + 1)));
    }
    return out;
  }

  /** A JSON array of layer objects. */
  public static List<LayerSpec> parseJson(String json, String where) {
    try {
      return parse(JSON.readValue(json, new TypeReference<List<Map<String, Object>>>() {}), where);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          where
              + " is not a JSON array of layer objects: "
              + e.getOriginalMessage()
              + "; provided value: "
              + json);
    }
  }

  public static String toJson(List<LayerSpec> layers) {
    List<Map<String, Object>> maps = new ArrayList<>();
    for (LayerSpec l : layers) {
      maps.add(l.toMap());
    }
    try {
      return JSON.writeValueAsString(maps);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static LayerSpec parseOne(Map<String, ?> m, String where) {
    Object typeValue = m.get("type");
    if (typeValue == null) {
      throw new InvalidInputException(
          where + " has no type (one of " + TYPES + "); provided value: " + m);
    }
    String type = typeValue.toString().trim().toLowerCase();
    try {
      return switch (type) {
        case "dense" -> {
          keys(m, where, "units");
          yield new LayerSpec.Dense(integer(m, "units", null, where));
        }
        case "conv2d" -> {
          keys(m, where, "filters", "kernel", "stride", "padding");
          yield new LayerSpec.Conv2D(
              integer(m, "filters", null, where),
              integer(m, "kernel", null, where),
              integer(m, "stride", 1, where),
              integer(m, "padding", 0, where));
        }
        case "embedding" -> {
          keys(m, where, "dim");
          yield new LayerSpec.Embedding(integer(m, "dim", null, where));
        }
        case "causal-conv1d" -> {
          keys(m, where, "filters", "kernel", "dilation");
          yield new LayerSpec.CausalConv1D(
              integer(m, "filters", null, where),
              integer(m, "kernel", null, where),
              integer(m, "dilation", 1, where));
        }
        case "maxpool", "avgpool" -> {
          keys(m, where, "size", "stride");
          int size = integer(m, "size", 2, where);
          yield new LayerSpec.Pool(type.equals("maxpool"), size, integer(m, "stride", size, where));
        }
        case "flatten" -> {
          keys(m, where);
          yield new LayerSpec.Flatten();
        }
        case "groupnorm" -> {
          keys(m, where, "groups", "affine");
          yield new LayerSpec.GroupNorm(
              integer(m, "groups", null, where), bool(m, "affine", true, where));
        }
        case "scattering" -> {
          keys(m, where, "scales", "angles", "multiscale");
          yield new LayerSpec.Scattering(
              integer(m, "scales", 2, where),
              integer(m, "angles", 8, where),
              bool(m, "multiscale", false, where));
        }
        case "append-input" -> {
          keys(m, where, "weight");
          yield new LayerSpec.AppendInput(number(m, "weight", 1.0, where));
        }
        case "tanh" -> {
          keys(m, where);
          yield LayerSpec.Activate.tanh();
        }
        case "relu" -> {
          keys(m, where);
          yield LayerSpec.Activate.relu();
        }
        case "tempered-sigmoid" -> {
          keys(m, where, "scale", "temperature", "offset");
          yield LayerSpec.Activate.temperedSigmoid(
              number(m, "scale", 2.0, where),
              number(m, "temperature", 2.0, where),
              number(m, "offset", 1.0, where));
        }
        case "batchnorm", "batch-norm", "batchnormalization" ->
            throw new InvalidInputException(
                where
                    + ": batchnorm is not supported with DP-SGD: it normalises with statistics of the whole batch, so one"
                    + " example's gradient depends on the others and clipping no longer bounds its influence."
                    + " Use {type = groupnorm, groups = G}, which normalises each example on its own");
        default ->
            throw new InvalidInputException(
                where + " has an unknown type (one of " + TYPES + "); provided value: " + type);
      };
    } catch (InvalidInputException e) {
      throw e.getMessage().startsWith(where)
          ? e
          : new InvalidInputException(where + ": " + e.getMessage());
    }
  }

  private static final String TYPES =
      "scattering, conv2d, maxpool, avgpool, flatten, groupnorm, append-input, dense, embedding,"
          + " causal-conv1d, tanh, relu, tempered-sigmoid";

  private static void keys(Map<String, ?> m, String where, String... allowed) {
    Set<String> ok = new java.util.HashSet<>(List.of(allowed));
    ok.add("type");
    for (String k : m.keySet()) {
      if (!ok.contains(k)) {
        throw new InvalidInputException(
            where
                + " ("
                + m.get("type")
                + ") has an unknown key "
                + k
                + " (allowed: "
                + String.join(", ", allowed)
                + ")");
      }
    }
  }

  private static int integer(Map<String, ?> m, String key, Integer fallback, String where) {
    Object v = m.get(key);
    if (v == null) {
      if (fallback == null) {
        throw new InvalidInputException(where + " (" + m.get("type") + ") needs " + key);
      }
      return fallback;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.intValue();
    }
    throw new InvalidInputException(
        where + ": " + key + " must be an integer; provided value: " + v);
  }

  private static boolean bool(Map<String, ?> m, String key, boolean fallback, String where) {
    Object v = m.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new InvalidInputException(
        where + ": " + key + " must be true or false; provided value: " + v);
  }

  private static double number(Map<String, ?> m, String key, double fallback, String where) {
    Object v = m.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new InvalidInputException(where + ": " + key + " must be a number; provided value: " + v);
  }
}
