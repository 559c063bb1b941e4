package org.sparkdpsgd.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of a run after {@code step} completed steps, as saved in a checkpoint directory.
 *
 * <p>{@code chargedSteps} is what makes resuming safe for privacy: it is written BEFORE steps
 * {@code step + 1 .. chargedSteps} run, so if the run dies in between, the noisy updates those
 * steps released (to the driver, its logs, its metrics) are still paid for when it resumes. The
 * sampling key is secret and is not saved (a resumed run draws a new one, which Poisson sampling
 * allows: each step's sample is independent).
 *
 * @param run the settings the run was planned with ({@link #fingerprint}); a resume must match
 * @param ema the weight average's running sum and weight (null when EMA is off)
 */
record Checkpoint(
    ObjectNode run,
    long step,
    long chargedSteps,
    boolean complete,
    double[] params,
    double[][] optimizerState,
    double[] emaSum,
    double emaWeight,
    List<StepMetrics> metrics) {
  static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The trainer's state after {@code step} steps (ema may be null). */
  static Checkpoint of(
      ObjectNode run,
      long step,
      long chargedSteps,
      boolean complete,
      double[] params,
      org.sparkdpsgd.optim.Optimizer optimizer,
      WeightAverage ema,
      List<StepMetrics> metrics) {
    return new Checkpoint(
        run,
        step,
        chargedSteps,
        complete,
        params,
        optimizer.state(),
        ema == null ? null : ema.sum(),
        ema == null ? 0 : ema.weight(),
        metrics);
  }

  /** What must be equal for a checkpoint to belong to this run. */
  static ObjectNode fingerprint(DpSgdConfig c, TrainingPlan plan, String model, int numParams) {
    ObjectNode n = JSON.createObjectNode();
    n.put("model", model);
    n.put("num_params", numParams);
    n.put("train_examples", plan.numExamples());
    n.put("sampling_rate", plan.samplingRate());
    n.put("steps", plan.steps());
    n.put("noise_multiplier", plan.noiseMultiplier());
    n.put("l2_norm_clip", plan.l2NormClip());
    n.put("delta", plan.delta());
    n.put("non_private", plan.nonPrivate());
    if (plan.numMicrobatches() > 0) {
      // only when set: checkpoints written before microbatches existed resume per-example runs
      n.put("num_microbatches", plan.numMicrobatches());
    }
    if (plan.normalises()) {
      // only when set, as above: the released statistics are part of the run
      n.put("normalisation_noise_multiplier", plan.normalisationNoiseMultiplier());
      n.put("normalisation_whitening", plan.normalisationWhitening());
    }
    if (plan.userLevel()) {
      // only when set, as above; train_examples then counts users
      n.put("user_level", true);
    }
    n.put("accountant", c.accountant.name().toLowerCase(java.util.Locale.ROOT));
    n.put("optimizer", c.optimizer.toString());
    n.put("ema_decay", c.emaDecay);
    n.put("cosine_schedule", c.cosineSchedule);
    n.put("init_seed", c.initSeed);
    return n;
  }

  /** "steps: 1172 in the checkpoint, 800 now; ..." or null when {@code now} matches. */
  String mismatch(ObjectNode now) {
    List<String> diffs = new ArrayList<>();
    now.fieldNames()
        .forEachRemaining(
            k -> {
              JsonNode mine = run.get(k);
              // As text: a long written out may come back as an int node.
              if (mine == null || !mine.asText().equals(now.get(k).asText())) {
                diffs.add(
                    k
                        + ": "
                        + (mine == null ? "missing" : mine.asText())
                        + " in the checkpoint, "
                        + now.get(k).asText()
                        + " now");
              }
            });
    // Written only when set (fingerprint): a microbatched checkpoint must not resume per-example.
    if (run.has("num_microbatches") && !now.has("num_microbatches")) {
      diffs.add(
          "num_microbatches: "
              + run.get("num_microbatches").asText()
              + " in the checkpoint, 0 now");
    }
    return diffs.isEmpty() ? null : String.join("; ", diffs);
  }

  String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("format_version", FORMAT_VERSION);
    n.set("run", run);
    n.put("step", step);
    n.put("charged_steps", chargedSteps);
    n.put("complete", complete);
    n.set("params", doubles(params));
    ArrayNode opt = n.putArray("optimizer_state");
    for (double[] s : optimizerState) {
      opt.add(doubles(s));
    }
    if (emaSum != null) {
      n.set("ema_sum", doubles(emaSum));
      n.put("ema_weight", emaWeight);
    }
    ArrayNode ms = n.putArray("metrics");
    for (StepMetrics m : metrics) {
      ms.addArray()
          .add(m.step())
          .add(m.totalSteps())
          .add(m.loss())
          .add(m.epsilon())
          .add(m.elapsedSeconds())
          .add(m.examplesPerSecond());
    }
    return n.toString();
  }

  static Checkpoint fromJson(String text) throws java.io.IOException {
    JsonNode n = JSON.readTree(text);
    int version = n.path("format_version").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new java.io.IOException("unsupported checkpoint format version " + version);
    }
    JsonNode opt = n.get("optimizer_state");
    double[][] state = new double[opt.size()][];
    for (int k = 0; k < state.length; k++) {
      state[k] = doubles(opt.get(k));
    }
    List<StepMetrics> metrics = new ArrayList<>();
    for (JsonNode m : n.get("metrics")) {
      metrics.add(
          new StepMetrics(
              m.get(0).asLong(),
              m.get(1).asLong(),
              m.get(2).asDouble(),
              number(m.get(3)),
              m.get(4).asDouble(),
              m.get(5).asDouble()));
    }
    return new Checkpoint(
        (ObjectNode) n.get("run"),
        n.get("step").asLong(),
        n.get("charged_steps").asLong(),
        n.get("complete").asBoolean(),
        doubles(n.get("params")),
        state,
        n.has("ema_sum") ? doubles(n.get("ema_sum")) : null,
        n.path("ema_weight").asDouble(0),
        metrics);
  }

  private static ArrayNode doubles(double[] v) {
    ArrayNode a = JSON.createArrayNode();
    for (double d : v) {
      if (Double.isFinite(d)) {
        a.add(d);
      } else {
        a.add(Double.toString(d));
      }
    }
    return a;
  }

  private static double[] doubles(JsonNode a) {
    double[] v = new double[a.size()];
    for (int k = 0; k < v.length; k++) {
      v[k] = number(a.get(k));
    }
    return v;
  }

  /** Numbers, and "Infinity"/"NaN" written as text (JSON has no literal for them). */
  private static double number(JsonNode v) {
    return v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
  }
}
