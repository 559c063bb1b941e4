package org.sparkdpsgd.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.sparkdpsgd.model.LayerConfig;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.train.PrivacyReport;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Model data, format versions 2 and 3: {"spec": {"inputShape", "layers", "numClasses"}, "params":
 * [...], "privacy": {...}} (3 differs only in the metadata, see {@link StagePersistence}). Version
 * 1 had {"spec": {"inputDim", "hidden", "activation", "numClasses"}, "params", "privacy"}. Version
 * 0 (the first release's layout) stored {"inputDim", "hidden", "activation", "numClasses",
 * "weights"} and no privacy report; it still loads, with the report marked as unknown.
 *
 * <p>Version 3 data also holds "featureScale" and "featureShift", the fixed transform training
 * applied to every feature, which the model applies before scoring. Models saved before they were
 * recorded lack them and load with scale 1 and shift 0 (what such code scored with). The fields are
 * optional, so the format version stays 3; code from before them loads a new model but ignores its
 * transform.
 */
final class DPSGDModelPersistence {
  private DPSGDModelPersistence() {}

  static final class Writer extends MLWriter {
    private final DPSGDClassificationModel model;

    Writer(DPSGDClassificationModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      new StagePersistence.ParamsWriter(model, data(model)).saveImpl(path);
    }
  }

  static ObjectNode data(DPSGDClassificationModel model) {
    ObjectNode d = StagePersistence.JSON.createObjectNode();
    ModelSpec s = model.spec();
    ObjectNode spec = d.putObject("spec");
    spec.putArray("inputShape")
        .add(s.input().channels())
        .add(s.input().height())
        .add(s.input().width());
    spec.set(
        "layers",
        StagePersistence.JSON.valueToTree(s.layers().stream().map(LayerSpec::toMap).toList()));
    spec.put("numClasses", s.numClasses());
    ArrayNode params = d.putArray("params");
    for (double v : model.parameters()) {
      params.add(v);
    }
    d.set("privacy", StagePersistence.JSON.valueToTree(model.privacyReport()));
    d.put("featureScale", model.featureScale());
    d.put("featureShift", model.featureShift());
    return d;
  }

  static final class Reader extends MLReader<DPSGDClassificationModel> {
    @Override
    public DPSGDClassificationModel load(String path) {
      JsonNode meta = StagePersistence.readLine(sparkSession(), path + "/metadata");
      JsonNode data = StagePersistence.readLine(sparkSession(), path + "/data");
      int version = meta.path("formatVersion").asInt(0);
      DPSGDClassificationModel model =
          switch (version) {
            case 0 -> fromVersion0(meta.get("uid").asText(), data);
            case 1 -> fromVersion1(meta.get("uid").asText(), data);
            case 2, 3 -> fromVersion2(meta.get("uid").asText(), data, path);
            default ->
                throw new InvalidInputException(
                    path
                        + ": model format version "
                        + version
                        + " is newer than this spark-dpsgd understands ("
                        + StagePersistence.FORMAT_VERSION
                        + ")");
          };
      // The model's own params are Spark's column names, whose defaults never changed before
      // version 3.
      StagePersistence.applyParams(model, meta, java.util.Map.of());
      return model;
    }
  }

  /** Versions 2 and 3: any network, as an input shape and a list of layers (the config form). */
  private static DPSGDClassificationModel fromVersion2(String uid, JsonNode d, String path) {
    JsonNode s = d.get("spec");
    int[] shape = ints(s.get("inputShape"));
    List<LayerSpec> layers = LayerConfig.parseJson(s.get("layers").toString(), path + " spec");
    ModelSpec spec =
        new ModelSpec(new Shape(shape[0], shape[1], shape[2]), layers, s.get("numClasses").asInt());
    PrivacyReport report =
        StagePersistence.JSON.convertValue(d.get("privacy"), PrivacyReport.class);
    // absent from models saved before the transform was recorded: those scored raw features
    return new DPSGDClassificationModel(
        uid,
        spec,
        doubles(d.get("params")),
        report,
        d.path("featureScale").asDouble(1.0),
        d.path("featureShift").asDouble(0.0));
  }

  /** Version 1: an MLP given by hidden sizes and one activation. */
  private static DPSGDClassificationModel fromVersion1(String uid, JsonNode d) {
    JsonNode s = d.get("spec");
    ModelSpec spec =
        DPSGDClassificationModel.spec(
            s.get("inputDim").asInt(),
            ints(s.get("hidden")),
            s.get("activation").asText(),
            s.get("numClasses").asInt());
    PrivacyReport report =
        StagePersistence.JSON.convertValue(d.get("privacy"), PrivacyReport.class);
    return new DPSGDClassificationModel(uid, spec, doubles(d.get("params")), report);
  }

  private static DPSGDClassificationModel fromVersion0(String uid, JsonNode d) {
    ModelSpec spec =
        DPSGDClassificationModel.spec(
            d.get("inputDim").asInt(),
            ints(d.get("hidden")),
            d.get("activation").asText(),
            d.get("numClasses").asInt());
    PrivacyReport unknown =
        new PrivacyReport(
            Double.NaN,
            Double.NaN,
            "unknown (format version 0)",
            Double.NaN,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            0,
            Double.NaN,
            0,
            false,
            false,
            0,
            0,
            0);
    return new DPSGDClassificationModel(uid, spec, doubles(d.get("weights")), unknown);
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  private static double[] doubles(JsonNode a) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asDouble();
    }
    return out;
  }
}
