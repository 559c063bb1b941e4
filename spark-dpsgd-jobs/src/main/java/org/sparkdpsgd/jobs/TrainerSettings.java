package org.sparkdpsgd.jobs;

import java.util.List;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.LayerConfig;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.util.InvalidInputException;

/** Maps the {@code model}, {@code privacy} and {@code training} sections onto a {@link DpSgdConfig}. */
public final class TrainerSettings {
  private TrainerSettings() {}

  public static DpSgdConfig from(JobConfig c) {
    DpSgdConfig d = new DpSgdConfig();
    c.validated("privacy.l2-norm-clip", () -> d.l2NormClip(c.number("privacy.l2-norm-clip")));
    c.validated("privacy.delta", () -> d.delta(c.number("privacy.delta")));
    boolean sigma = c.isSet("privacy.noise-multiplier");
    boolean target = c.isSet("privacy.target-epsilon");
    if (sigma && target) {
      throw new InvalidInputException(
          "set only one of privacy.noise-multiplier (from " + c.origin("privacy.noise-multiplier")
              + ") and privacy.target-epsilon (from " + c.origin("privacy.target-epsilon")
              + "); set the other to null");
    }
    if (sigma) {
      c.validated("privacy.noise-multiplier", () -> d.noiseMultiplier(c.number("privacy.noise-multiplier")));
    } else if (target) {
      c.validated("privacy.target-epsilon", () -> d.targetEpsilon(c.number("privacy.target-epsilon")));
    }
    c.validated("privacy.accountant", () -> d.accountant(AccountantKind.parse(c.string("privacy.accountant"))));

    boolean batch = c.isSet("training.expected-batch-size");
    boolean rate = c.isSet("training.sampling-rate");
    if (batch && rate) {
      throw new InvalidInputException(
          "set only one of training.expected-batch-size and training.sampling-rate; set the other to null");
    }
    if (batch) {
      c.validated("training.expected-batch-size", () -> d.expectedBatchSize(c.longValue("training.expected-batch-size")));
    } else if (rate) {
      c.validated("training.sampling-rate", () -> d.samplingRate(c.number("training.sampling-rate")));
    }
    boolean epochs = c.isSet("training.epochs");
    boolean steps = c.isSet("training.steps");
    if (epochs && steps) {
      throw new InvalidInputException("set only one of training.epochs and training.steps; set the other to null");
    }
    if (epochs) {
      c.validated("training.epochs", () -> d.epochs(c.number("training.epochs")));
    } else if (steps) {
      c.validated("training.steps", () -> d.steps(c.longValue("training.steps")));
    }
    d.optimizer(c.validated("training.optimizer", () -> new OptimizerSpec(
        c.string("training.optimizer"), c.number("training.learning-rate"), c.number("training.momentum"),
        c.number("training.adam-beta1"), c.number("training.adam-beta2"), c.number("training.adam-epsilon"))));
    c.validated("training.ema-decay", () -> d.emaDecay(c.number("training.ema-decay")));
    String schedule = c.string("training.lr-schedule").trim().toLowerCase();
    if (!schedule.equals("constant") && !schedule.equals("cosine")) {
      throw new InvalidInputException("training.lr-schedule must be one of constant, cosine; provided value: "
          + schedule + " (from " + c.origin("training.lr-schedule") + ")");
    }
    d.cosineSchedule(schedule.equals("cosine"));
    c.validated("training.aggregation-depth", () -> d.aggregationDepth(c.integer("training.aggregation-depth")));
    c.validated("data.block-rows", () -> d.blockRows(c.integer("data.block-rows")));
    d.nonPrivate(c.bool("training.no-privacy"));
    c.validated("training.checkpoint-dir", () -> d.checkpoints(
        c.isSet("training.checkpoint-dir") ? c.string("training.checkpoint-dir") : null,
        c.integer("training.checkpoint-every")));

    String type = c.string("model.type").trim().toLowerCase();
    switch (type) {
      case "logreg" -> d.hiddenLayers();
      case "mlp" -> {
        List<Integer> hidden = c.integers("model.hidden");
        c.validated("model.hidden", () -> d.hiddenLayers(hidden.stream().mapToInt(Integer::intValue).toArray()));
      }
      case "cnn", "layers" -> {
        d.layers(c.validated("model.layers", () -> LayerConfig.parse(c.objects("model.layers"), "model.layers")));
        List<Integer> shape = c.integers("model.input-shape");
        c.validated("model.input-shape", () -> d.inputShape(shape.stream().mapToInt(Integer::intValue).toArray()));
      }
      default -> throw new InvalidInputException("model.type must be one of mlp, logreg, cnn (= the list in"
          + " model.layers); provided value: " + type + " (from " + c.origin("model.type") + ")");
    }
    d.activation(c.validated("model.activation", () -> Activation.parse(c.string("model.activation"), "model.activation")));
    d.initSeed(c.longValue("model.init-seed"));
    return d;
  }
}
