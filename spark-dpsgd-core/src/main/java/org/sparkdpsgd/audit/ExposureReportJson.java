package org.sparkdpsgd.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.SortedMap;

/**
 * canaries.json: every canary's secret, score, rank and exposure under each model. It is the one
 * place the secrets are written, because showing which secret a model gives away is its purpose;
 * logs and the console table carry only means.
 */
public final class ExposureReportJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ExposureReportJson() {}

  /** The report as a JSON tree, for a caller that adds fields (such as ε) before writing it. */
  public static ObjectNode toJson(ExposureReport report) {
    CanaryFormat format = report.plan().format();
    ObjectNode root = JSON.createObjectNode();
    root.put("format", format.describe());
    root.put("secret_digits", format.digits());
    root.put("space_size", format.spaceSize());
    root.put("log2_space_size", report.log2SpaceSize());
    root.put("chance_level_bits", report.chanceLevel());
    root.put("rank_rule", "1 + candidates scoring lower + candidates scoring the same / 2");
    ArrayNode counts = root.putArray("insertion_counts");
    report.plan().insertionCounts().forEach(counts::add);
    ArrayNode models = root.putArray("models");
    for (ModelExposures m : report.models()) {
      models.add(model(m));
    }
    return root;
  }

  public static void write(ExposureReport report, OutputStream out) throws IOException {
    JSON.writeValue(out, toJson(report));
  }

  private static ObjectNode model(ModelExposures m) {
    boolean exact = m.method() == ModelExposures.Method.EXACT;
    ObjectNode node = JSON.createObjectNode();
    node.put("model", m.model());
    node.put("method", exact ? "exact" : "sampled");
    node.put("candidates_scored", m.candidatesScored());
    m.fit()
        .ifPresent(
            f -> {
              ObjectNode fit = node.putObject("skew_normal_fit");
              fit.put("location", f.location());
              fit.put("scale", f.scale());
              fit.put("shape", f.shape());
            });
    means(node.putObject("mean_exposure_by_insertions"), m.meanExposureByInsertions());
    if (m.fit().isPresent()) {
      means(
          node.putObject("mean_extrapolated_exposure_by_insertions"),
          m.meanExtrapolatedExposureByInsertions());
    }
    ArrayNode canaries = node.putArray("canaries");
    for (CanaryExposure c : m.canaries()) {
      ObjectNode n = canaries.addObject();
      n.put("insertions", c.canary().insertions());
      n.put("secret", c.canary().secret());
      n.put("log_perplexity", c.logPerplexity());
      n.put("rank", c.rank());
      n.put("rank_method", exact ? "exact" : "estimated");
      n.put("exposure", c.exposure());
      n.put("exposure_method", exact ? "exact" : "empirical");
      n.put("exposure_is_lower_bound", c.exposureIsLowerBound());
      if (c.hasExtrapolation()) {
        n.put("exposure_extrapolated", c.extrapolatedExposure());
      } else {
        n.putNull("exposure_extrapolated");
      }
    }
    return node;
  }

  private static void means(ObjectNode node, SortedMap<Integer, Double> means) {
    means.forEach((count, mean) -> node.put(Integer.toString(count), mean));
  }
}
