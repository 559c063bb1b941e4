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
 * Our on-disk format for stages: {@code PATH/metadata} holds one JSON line with class, uid,
 * {@code formatVersion}, Spark version and the explicitly set params (each in Spark's own param
 * JSON encoding); models add {@code PATH/data} (one JSON line). Written through Spark so that
 * HDFS and S3 paths work, and readable inside a PipelineModel (Spark calls the static read()).
 */
final class StagePersistence {
  /**
   * Version 2: the spec is an input shape and a list of layers. Version 1: the spec was an MLP
   * (hidden sizes, one activation). Version 0 had no privacy report.
   */
  static final int FORMAT_VERSION = 2;
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
      throw new InvalidInputException(path + ": not a spark-dpsgd stage (" + e.getMessage() + ")", e);
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
    for (Param<?> raw : stage.params()) {
      @SuppressWarnings("unchecked")
      Param<Object> p = (Param<Object>) raw;
      if (stage.isSet(p)) {
        try {
          params.set(p.name(), JSON.readTree(p.jsonEncode(stage.getOrDefault(p))));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return m;
  }

  static void applyParams(Params stage, JsonNode metadata) {
    Iterator<Map.Entry<String, JsonNode>> it = metadata.get("paramMap").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!stage.hasParam(e.getKey())) {
        continue; // a param from a newer version: ignored rather than failing the load
      }
      @SuppressWarnings("unchecked")
      Param<Object> p = (Param<Object>) stage.getParam(e.getKey());
      stage.set(p, p.jsonDecode(e.getValue().toString()));
    }
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

  /** Reads an estimator: a fresh instance with the saved uid, then the saved params. */
  static final class ParamsReader<T extends Params> extends MLReader<T> {
    private final Function<String, T> create;

    ParamsReader(Function<String, T> create) {
      this.create = create;
    }

    @Override
    public T load(String path) {
      JsonNode m = readLine(sparkSession(), path + "/metadata");
      T stage = create.apply(m.get("uid").asText());
      applyParams(stage, m);
      return stage;
    }
  }
}
