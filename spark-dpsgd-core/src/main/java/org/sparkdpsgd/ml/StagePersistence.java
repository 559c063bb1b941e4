package org.sparkdpsgd.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Our on-disk format for stages: {@code PATH/metadata} holds one JSON line with class, uid, {@code
 * formatVersion}, Spark version, the explicitly set params ({@code paramMap}) and, from version 3,
 * the default of every param that has one ({@code defaultParamMap}, as MLlib's {@code
 * DefaultParamsWriter} does), each in Spark's own param JSON encoding; models add {@code PATH/data}
 * (one JSON line, see {@link DPSGDModelPersistence}). Written through Spark so that HDFS and S3
 * paths work, and readable inside a PipelineModel (Spark calls the static read()).
 *
 * <p>A loaded stage gets the saved values and the saved defaults, so changing a default in a later
 * release (σ, target ε, C, ...) does not change what a reloaded stage does. Stages saved before
 * version 3 get the defaults that the code writing versions 0 to 2 had (a fixed table per class).
 */
final class StagePersistence {
  /**
   * The version this code writes. 3: metadata adds {@code defaultParamMap}; model data as in 2
   * (later with optional featureScale / featureShift, see {@link DPSGDModelPersistence}). 2: model
   * data's spec is an input shape and a list of layers. 1: the spec was an MLP (hidden sizes, one
   * activation) and the data has a privacy report. 0 (no {@code formatVersion} field): no privacy
   * report, weights under "weights". Fixtures of each are under {@code
   * src/test/resources/{model,estimator}-format-vN}.
   */
  static final int FORMAT_VERSION = 3;

  /** A stage whose defaults a reader can restore (Spark's {@code setDefault} is protected). */
  interface RestorableDefaults {
    void restoreDefault(Param<Object> param, Object value);
  }

  static final ObjectMapper JSON = new ObjectMapper();

  private StagePersistence() {}

  static void writeLine(SparkSession spark, String path, String json) {
    spark.createDataset(List.of(json), Encoders.STRING()).coalesce(1).write().text(path);
  }

  static JsonNode readLine(SparkSession spark, String path) {
    try {
      String line = spark.read().text(path).first().getString(0);
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new InvalidInputException(
          path + ": not a spark-dpsgd stage (" + e.getMessage() + ")", e);
    }
  }

  static ObjectNode metadata(Params stage) {
    ObjectNode m = JSON.createObjectNode();
    m.put("class", stage.getClass().getName());
    m.put("timestamp", System.currentTimeMillis()); // PipelineModel.load reads it
    m.put("uid", stage.uid());
    m.put("formatVersion", FORMAT_VERSION);
    m.put("sparkVersion", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    ObjectNode params = m.putObject("paramMap");
    ObjectNode defaults = m.putObject("defaultParamMap");
    for (Param<?> raw : stage.params()) {
      @SuppressWarnings("unchecked")
      Param<Object> p = (Param<Object>) raw;
      if (stage.isSet(p)) {
        params.set(p.name(), encode(p, stage.getOrDefault(p)));
      }
      if (stage.hasDefault(p)) {
        defaults.set(p.name(), encode(p, stage.getDefault(p).get()));
      }
    }
    return m;
  }

  private static JsonNode encode(Param<Object> p, Object value) {
    try {
      return JSON.readTree(p.jsonEncode(value));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Applies saved defaults, then saved values. {@code legacyDefaults} (param name to value) stands
   * in for {@code defaultParamMap} in files older than version 3; may be empty.
   */
  static void applyParams(Params stage, JsonNode metadata, Map<String, Object> legacyDefaults) {
    int version = metadata.path("formatVersion").asInt(0);
    if (version >= 3) {
      for (Map.Entry<String, JsonNode> e : entries(metadata.get("defaultParamMap"))) {
        Param<Object> p = known(stage, e.getKey());
        if (p != null) {
          restoreDefault(stage, p, p.jsonDecode(e.getValue().toString()));
        }
      }
    } else {
      for (Map.Entry<String, Object> e : legacyDefaults.entrySet()) {
        Param<Object> p = known(stage, e.getKey());
        if (p != null) {
          restoreDefault(stage, p, e.getValue());
        }
      }
    }
    for (Map.Entry<String, JsonNode> e : entries(metadata.get("paramMap"))) {
      Param<Object> p = known(stage, e.getKey());
      if (p != null) {
        stage.set(p, p.jsonDecode(e.getValue().toString()));
      }
    }
  }

  private static void restoreDefault(Params stage, Param<Object> p, Object value) {
    if (!(stage instanceof RestorableDefaults r)) {
      throw new IllegalStateException(
          stage.getClass().getName() + " cannot restore saved defaults");
    }
    r.restoreDefault(p, value);
  }

  /**
   * The stage's param of this name, or null for a param of a newer version (ignored, not fatal).
   */
  @SuppressWarnings("unchecked")
  private static Param<Object> known(Params stage, String name) {
    return stage.hasParam(name) ? (Param<Object>) stage.getParam(name) : null;
  }

  private static List<Map.Entry<String, JsonNode>> entries(JsonNode object) {
    List<Map.Entry<String, JsonNode>> out = new java.util.ArrayList<>();
    if (object != null) {
      Iterator<Map.Entry<String, JsonNode>> it = object.fields();
      it.forEachRemaining(out::add);
    }
    return out;
  }

  /** Writes metadata (and the model's data line when {@code data} is not null). */
  static final class ParamsWriter extends MLWriter {
    private final Params stage;
    private final ObjectNode data;

    ParamsWriter(Params stage, ObjectNode data) {
      this.stage = stage;
      this.data = data;
    }

    @Override
    public void saveImpl(String path) {
      writeLine(sparkSession(), path + "/metadata", metadata(stage).toString());
      if (data != null) {
        writeLine(sparkSession(), path + "/data", data.toString());
      }
    }
  }

  /**
   * Reads an estimator: a fresh instance with the saved uid, then the saved defaults and params.
   */
  static final class ParamsReader<T extends Params> extends MLReader<T> {
    private final Function<String, T> create;
    private final Map<String, Object> legacyDefaults;

    ParamsReader(Function<String, T> create, Map<String, Object> legacyDefaults) {
      this.create = create;
      this.legacyDefaults = legacyDefaults;
    }

    @Override
    public T load(String path) {
      JsonNode m = readLine(sparkSession(), path + "/metadata");
      int version = m.path("formatVersion").asInt(0);
      if (version > FORMAT_VERSION) {
        throw new InvalidInputException(
            path
                + ": format version "
                + version
                + " is newer than this spark-dpsgd understands ("
                + FORMAT_VERSION
                + ")");
      }
      T stage = create.apply(m.get("uid").asText());
      applyParams(stage, m, legacyDefaults);
      return stage;
    }
  }
}
