package org.sparkdpsgd.jobs;

import java.util.List;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.LayerConfig;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.Knob;
import org.sparkdpsgd.train.Knobs;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Maps the {@code model}, {@code privacy} and {@code training} sections onto a {@link DpSgdConfig}.
 * The knobs, their defaults and validators are those of {@link Knobs}; {@code dpsgd-defaults.conf}
 * lists the same defaults (checked by {@code KnobsAgreementTest}).
 */
public final class TrainerSettings {
  private TrainerSettings() {}

  /**
   * The key's value read with the knob's type (HOCON converts, e.g. "2" to 2.0, or fails naming the
   * key).
   */
  static Object value(JobConfig c, Knob k) {
    String key = k.key();
    return switch (k.type()) {
      case DOUBLE -> c.number(key);
      case LONG -> c.longValue(key);
      case INT -> c.integer(key);
      case STRING -> c.string(key);
      case BOOLEAN -> c.bool(key);
    };
  }

  public static DpSgdConfig from(JobConfig c) {
    // Every knob of the table is read with its type and checked by the table's validator, so a
    // bad value names the key and where it came from (file:line or --set).
    for (Knob k : Knobs.ALL) {
      if (c.isSet(k.key())) {
        c.validated(k.key(), () -> k.check(value(c, k)));
      }
    }
    DpSgdConfig d = new DpSgdConfig();
    d.l2NormClip(c.number(Knobs.L2_NORM_CLIP.key())).delta(c.number(Knobs.DELTA.key()));
    String sigmaKey = Knobs.NOISE_MULTIPLIER.key();
    String targetKey = Knobs.TARGET_EPSILON.key();
    boolean sigma = c.isSet(sigmaKey);
    boolean target = c.isSet(targetKey);
    if (sigma && target) {
      throw new InvalidInputException(
          "set only one of "
              + sigmaKey
              + " (from "
              + c.origin(sigmaKey)
              + ") and "
              + targetKey
              + " (from "
              + c.origin(targetKey)
              + "); set the other to null");
    }
    if (sigma && c.number(sigmaKey) == 0 && !c.bool("training.no-privacy")) {
      // σ = 0 would run the private machinery without noise and report ε = ∞ as if it were a DP
      // run.
      throw new InvalidInputException(
          sigmaKey
              + " = 0 adds no noise: no privacy. Use --no-privacy for a"
              + " non-private baseline, or a σ > 0; provided value: 0 (from "
              + c.origin(sigmaKey)
              + ")");
    }
    if (sigma) {
      d.noiseMultiplier(c.number(sigmaKey));
    } else if (target) {
      d.targetEpsilon(c.number(targetKey));
    } else {
      d.unsetNoise();
    }
    d.accountant(AccountantKind.parse(c.string(Knobs.ACCOUNTANT.key())));

    String batchKey = Knobs.EXPECTED_BATCH_SIZE.key();
    String rateKey = Knobs.SAMPLING_RATE.key();
    boolean batch = c.isSet(batchKey);
    boolean rate = c.isSet(rateKey);
    if (batch && rate) {
      throw new InvalidInputException(
          "set only one of " + batchKey + " and " + rateKey + "; set the other to null");
    }
    if (batch) {
      d.expectedBatchSize(c.longValue(batchKey));
    } else if (rate) {
      d.samplingRate(c.number(rateKey));
    } else {
      d.unsetBatch();
    }
    d.numMicrobatches(c.integer(Knobs.NUM_MICROBATCHES.key()));
    String epochsKey = Knobs.EPOCHS.key();
    String stepsKey = Knobs.STEPS.key();
    boolean epochs = c.isSet(epochsKey);
    boolean steps = c.isSet(stepsKey);
    if (epochs && steps) {
      throw new InvalidInputException(
          "set only one of " + epochsKey + " and " + stepsKey + "; set the other to null");
    }
    if (epochs) {
      d.epochs(c.number(epochsKey));
    } else if (steps) {
      d.steps(c.longValue(stepsKey));
    } else {
      d.unsetLength();
    }
    d.optimizer(
        c.validated(
            Knobs.OPTIMIZER.key(),
            () ->
                new OptimizerSpec(
                    c.string(Knobs.OPTIMIZER.key()),
                    c.number(Knobs.LEARNING_RATE.key()),
                    c.number(Knobs.MOMENTUM.key()),
                    c.number(Knobs.ADAM_BETA1.key()),
                    c.number(Knobs.ADAM_BETA2.key()),
                    c.number(Knobs.ADAM_EPSILON.key()))));
    d.emaDecay(c.number(Knobs.EMA_DECAY.key()));
    d.normalisationNoiseMultiplier(c.number(Knobs.NORMALISATION_NOISE_MULTIPLIER.key()));
    d.normalisationWhitening(c.number(Knobs.NORMALISATION_WHITENING.key()));
    d.lrSchedule(c.string(Knobs.LR_SCHEDULE.key()));
    d.aggregationDepth(c.integer(Knobs.AGGREGATION_DEPTH.key()));
    d.residentTasks(c.bool(Knobs.RESIDENT_TASKS.key()));
    d.blockRows(c.integer(Knobs.BLOCK_ROWS.key()));
    d.featureTransform(c.number(Knobs.FEATURE_SCALE.key()), c.number(Knobs.FEATURE_SHIFT.key()));
    d.nonPrivate(c.bool("training.no-privacy"));
    d.initFrom(c.isSet("model.init-from") ? c.string("model.init-from") : null);
    d.leakTrainingLoss(c.bool(Knobs.DEBUG_LEAK_TRAINING_LOSS.key()));
    String dirKey = Knobs.CHECKPOINT_DIR.key();
    d.checkpoints(
        c.isSet(dirKey) ? c.string(dirKey) : null, c.integer(Knobs.CHECKPOINT_EVERY.key()));
    d.ledger(c.isSet(Knobs.LEDGER.key()) ? c.string(Knobs.LEDGER.key()) : null);

    String type = c.string("model.type").trim().toLowerCase();
    switch (type) {
      case "logreg" -> d.hiddenLayers();
      case "mlp" -> {
        List<Integer> hidden = c.integers("model.hidden");
        c.validated(
            "model.hidden",
            () -> d.hiddenLayers(hidden.stream().mapToInt(Integer::intValue).toArray()));
      }
      case "cnn", "layers" -> {
        d.layers(
            c.validated(
                "model.layers",
                () -> LayerConfig.parse(c.objects("model.layers"), "model.layers")));
        List<Integer> shape = c.integers("model.input-shape");
        c.validated(
            "model.input-shape",
            () -> d.inputShape(shape.stream().mapToInt(Integer::intValue).toArray()));
      }
      case "charlm" -> {
        d.layers(
            c.validated(
                "model.layers",
                () -> LayerConfig.parse(c.objects("model.layers"), "model.layers")));
        int window = c.integer("model.window");
        c.validated("model.window", () -> d.languageModel(window, CharVocabulary.SIZE));
      }
      default ->
          throw new InvalidInputException(
              "model.type must be one of mlp, logreg, cnn (= the list in"
                  + " model.layers), charlm (a character language model); provided value: "
                  + type
                  + " (from "
                  + c.origin("model.type")
                  + ")");
    }
    d.activation(Activation.parse(c.string(Knobs.ACTIVATION.key()), Knobs.ACTIVATION.key()));
    d.inputNorm(c.string(Knobs.INPUT_NORM.key()));
    if (d.inputNormPerExample() && !type.equals("mlp") && !type.equals("logreg")) {
      throw new InvalidInputException(
          Knobs.INPUT_NORM.key()
              + " = per-example applies to model.type mlp and logreg only; a network given by"
              + " model.layers standardises its input with {type = groupnorm, groups = 1, affine ="
              + " false} as its first layer (model.type = "
              + type
              + "; input-norm from "
              + c.origin(Knobs.INPUT_NORM.key())
              + ")");
    }
    d.initSeed(c.longValue(Knobs.INIT_SEED.key()));
    return d;
  }
}
