package org.sparkdpsgd.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdpsgd.train.Knob.Type;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The one table of DP-SGD knobs: name (CLI key and MLlib param), default, validator and doc. {@link
 * DpSgdConfig} takes its defaults and checks from here, {@code DPSGDClassifier} builds its params
 * from here, and the CLI's {@code dpsgd-defaults.conf} is tested to hold the same defaults ({@code
 * KnobsAgreementTest} in the jobs module).
 *
 * <p>The defaults are those of TensorFlow Privacy's MNIST DP-SGD tutorial (clip 1.0, expected batch
 * 256, 60 epochs, SGD with learning rate 0.15, δ = 1e-5), with the noise calibrated to ε = 3
 * instead of a fixed σ (that tutorial's σ = 1.1 gives ε ≈ 2.6 over the same run), momentum 0.9 and
 * Adam's β1 = 0.9, β2 = 0.999, ε̂ = 1e-8 (TensorFlow's and Opacus's optimizer defaults).
 *
 * <p>Not in the table, because only one face has them: the network's structure (CLI {@code
 * model.type}/{@code hidden}/{@code layers}/{@code input-shape}/{@code window}; MLlib {@code
 * hiddenLayers}/{@code layers}/{@code inputShape}), where the data comes from (CLI {@code data.*}
 * paths, columns and format; MLlib's column params), {@code training.no-privacy} and {@code
 * model.init-from} (CLI only), {@code spark.*}, {@code progress-seconds} and {@code
 * report-evaluations}.
 */
public final class Knobs {
  private Knobs() {}

  public static final Knob L2_NORM_CLIP =
      new Knob(
          "privacy.l2-norm-clip",
          "l2NormClip",
          Type.DOUBLE,
          1.0,
          Knobs::clip,
          "per-example gradient L2 norm bound C; each example's gradient is scaled to norm <= C");
  public static final Knob NOISE_MULTIPLIER =
      new Knob(
          "privacy.noise-multiplier",
          "noiseMultiplier",
          Type.DOUBLE,
          null,
          (n, v) -> Checks.nonNegative(n, (Double) v),
          "Gaussian noise stddev as a multiple of C (sigma); set this or targetEpsilon (unset = calibrate to targetEpsilon)");
  public static final Knob TARGET_EPSILON =
      new Knob(
          "privacy.target-epsilon",
          "targetEpsilon",
          Type.DOUBLE,
          3.0,
          (n, v) -> Checks.positive(n, (Double) v),
          "epsilon the whole run may spend; sigma is calibrated to it (used when noiseMultiplier is not set)");
  public static final Knob DELTA =
      new Knob(
          "privacy.delta",
          "delta",
          Type.DOUBLE,
          1e-5,
          (n, v) -> Checks.openProbability(n, (Double) v),
          "delta of the (epsilon, delta) guarantee; keep it below 1/N");
  public static final Knob ACCOUNTANT =
      new Knob(
          "privacy.accountant",
          "accountant",
          Type.STRING,
          "rdp",
          oneOf("rdp", "pld"),
          "privacy accountant: rdp or pld");
  public static final Knob LEDGER =
      new Knob(
          "privacy.ledger",
          "ledger",
          Type.STRING,
          null,
          Knobs::notBlank,
          "privacy budget ledger shared by the runs over the same data, on any Hadoop path (unset = none; create one"
              + " with dpsgd ledger init). Before its first step a run reserves its charge there, composed with every"
              + " earlier run's by the ledger's accountant, and is refused if the total would pass the budget");
  public static final Knob NORMALISATION_NOISE_MULTIPLIER =
      new Knob(
          "privacy.normalisation-noise-multiplier",
          "normalisationNoiseMultiplier",
          Type.DOUBLE,
          0.0,
          (n, v) -> Checks.nonNegative(n, (Double) v),
          "noise multiplier sigma_n of the one Gaussian release of the feature statistics (mean and"
              + " channel covariance of the features the trained layers see, each example's features"
              + " scaled to norm <= 1) used to centre and whiten them; 0 = no normalisation. Charged"
              + " once, composed with the steps (a target epsilon calibrates sigma with it included)");
  public static final Knob EXPECTED_BATCH_SIZE =
      new Knob(
          "training.expected-batch-size",
          "expectedBatchSize",
          Type.LONG,
          256L,
          (n, v) -> Checks.positive(n, (long) (Long) v),
          "expected examples per step (q = batch / N, Poisson sampling); or set samplingRate");
  public static final Knob SAMPLING_RATE =
      new Knob(
          "training.sampling-rate",
          "samplingRate",
          Type.DOUBLE,
          null,
          (n, v) -> Checks.probability(n, (Double) v),
          "probability q that an example is in a step's sample; overrides expectedBatchSize");

  /**
   * Largest number of microbatches: each one's unclipped gradient sum is kept, per task and on the
   * driver, until the step's clip: M × parameters doubles, also checked against the model ({@link
   * TrainingPlan#checkMicrobatchMemory}).
   */
  public static final int MAX_MICROBATCHES = 4096;

  public static final Knob NUM_MICROBATCHES =
      new Knob(
          "training.num-microbatches",
          "numMicrobatches",
          Type.INT,
          0,
          (n, v) -> {
            int m = (Integer) v;
            if (m < 0 || m > MAX_MICROBATCHES) {
              throw Checks.fail(n, "in [0, " + MAX_MICROBATCHES + "]", m);
            }
          },
          "microbatches per step, TensorFlow Privacy's num_microbatches (0 = one example per"
              + " microbatch, per-example clipping). Each sampled example joins one of M microbatches"
              + " uniformly at random; each microbatch's mean gradient is clipped to C, the sum gets"
              + " noise sigma*C and is divided by M. Sensitivity 2C (a microbatch's clipped mean can"
              + " flip): charged as noise multiplier sigma/2");
  public static final Knob EPOCHS =
      new Knob(
          "training.epochs",
          "epochs",
          Type.DOUBLE,
          60.0,
          (n, v) -> Checks.positive(n, (Double) v),
          "passes over the data (steps = ceil(epochs / q)); or set steps");
  public static final Knob STEPS =
      new Knob(
          "training.steps",
          "steps",
          Type.LONG,
          null,
          (n, v) -> Checks.positive(n, (long) (Long) v),
          "number of DP-SGD steps; overrides epochs");
  public static final Knob OPTIMIZER =
      new Knob(
          "training.optimizer",
          "optimizer",
          Type.STRING,
          "sgd",
          oneOf("sgd", "momentum", "adam"),
          "sgd, momentum or adam");
  public static final Knob LEARNING_RATE =
      new Knob(
          "training.learning-rate",
          "learningRate",
          Type.DOUBLE,
          0.15,
          (n, v) -> Checks.positive(n, (Double) v),
          "learning rate (the starting rate under a cosine schedule)");
  public static final Knob MOMENTUM =
      new Knob(
          "training.momentum",
          "momentum",
          Type.DOUBLE,
          0.9,
          unitInterval(),
          "momentum of the momentum optimizer, in [0, 1)");
  public static final Knob ADAM_BETA1 =
      new Knob(
          "training.adam-beta1",
          "adamBeta1",
          Type.DOUBLE,
          0.9,
          unitInterval(),
          "Adam's decay of the first moment, in [0, 1)");
  public static final Knob ADAM_BETA2 =
      new Knob(
          "training.adam-beta2",
          "adamBeta2",
          Type.DOUBLE,
          0.999,
          unitInterval(),
          "Adam's decay of the second moment, in [0, 1)");
  public static final Knob ADAM_EPSILON =
      new Knob(
          "training.adam-epsilon",
          "adamEpsilon",
          Type.DOUBLE,
          1e-8,
          (n, v) -> Checks.positive(n, (Double) v),
          "Adam's epsilon added to the root of the second moment");
  public static final Knob LR_SCHEDULE =
      new Knob(
          "training.lr-schedule",
          "lrSchedule",
          Type.STRING,
          "constant",
          oneOf("constant", "cosine"),
          "constant or cosine (decays the learning rate to 0 over the run)");
  public static final Knob EMA_DECAY =
      new Knob(
          "training.ema-decay",
          "emaDecay",
          Type.DOUBLE,
          0.0,
          unitInterval(),
          "decay of the exponential moving average of the weights returned as the model (0 = off);"
              + " averaging released weights is post-processing and costs no privacy");
  public static final Knob NORMALISATION_WHITENING =
      new Knob(
          "training.normalisation-whitening",
          "normalisationWhitening",
          Type.DOUBLE,
          0.5,
          (n, v) -> {
            double x = (Double) v;
            if (!(x >= 0 && x <= 1)) {
              throw Checks.fail(n, "in [0, 1]", x);
            }
          },
          "with normalisationNoiseMultiplier > 0: the power w of the channel whitening, each"
              + " eigen-direction of the released channel covariance scaled by (lambda /"
              + " mean lambda)^(-w/2) (0 = centring only, 1 = full whitening); folded into the first"
              + " dense layer at the end, so the model takes the raw features");
  public static final Knob AGGREGATION_DEPTH =
      new Knob(
          "training.aggregation-depth",
          "aggregationDepth",
          Type.INT,
          2,
          (n, v) -> Checks.positive(n, (int) (Integer) v),
          "depth of treeAggregate");
  public static final Knob RESIDENT_TASKS =
      new Knob(
          "training.resident-tasks",
          "residentTasks",
          Type.BOOLEAN,
          true,
          (n, v) -> {},
          "run the steps in one Spark job whose tasks stay on the executors for the whole run (false:"
              + " one Spark job per step). The sums are the same; used only where every partition's"
              + " task can run at once and Spark's network encryption is off");
  public static final Knob CHECKPOINT_DIR =
      new Knob(
          "training.checkpoint-dir",
          "checkpointDir",
          Type.STRING,
          null,
          Knobs::notBlank,
          "directory for training checkpoints on any Hadoop file system (unset = none). A run whose directory holds"
              + " a checkpoint of the same settings resumes from it; the steps an interrupted run may have released"
              + " after its last checkpoint are charged again, so spent privacy is never forgotten");
  public static final Knob CHECKPOINT_EVERY =
      new Knob(
          "training.checkpoint-every",
          "checkpointInterval",
          Type.INT,
          100,
          (n, v) -> Checks.positive(n, (int) (Integer) v),
          "steps between checkpoints (a crash costs at most this many steps of privacy twice)");
  public static final Knob DEBUG_LEAK_TRAINING_LOSS =
      new Knob(
          "training.debug-leak-training-loss",
          "debugLeakTrainingLoss",
          Type.BOOLEAN,
          false,
          (n, v) -> {},
          "DEBUGGING ONLY: show and store the training loss of each step's sample. It is computed without noise, so"
              + " it is NOT covered by the privacy guarantee (one extreme example moves it visibly); the report says it leaks");
  public static final Knob NUM_CLASSES =
      new Knob(
          "data.num-classes",
          "numClasses",
          Type.INT,
          0,
          (n, v) -> Checks.nonNegative(n, (long) (Integer) v),
          "number of classes K (labels 0..K-1); 0 = from the label column's ML metadata or a known dataset. Never"
              + " inferred from the private labels: their largest value would leak");
  public static final Knob USER_COL =
      new Knob(
          "data.user-col",
          "userCol",
          Type.STRING,
          null,
          Knobs::notBlank,
          "user-level privacy: the column naming each row's user (unset = example-level). Each step samples users"
              + " with rate q (the expected batch size counts users), each sampled user's mean gradient over their"
              + " rows is clipped to C as a whole, and ε protects all of one user's rows at once");
  public static final Knob MAX_EXAMPLES_PER_USER =
      new Knob(
          "data.max-examples-per-user",
          "maxExamplesPerUser",
          Type.INT,
          0,
          (n, v) -> Checks.nonNegative(n, (long) (Integer) v),
          "user-level privacy: most rows kept per user (0 = all); bounds a step's cost, not the privacy");
  public static final Knob FEATURE_SCALE =
      new Knob(
          "data.feature-scale",
          "featureScale",
          Type.DOUBLE,
          1.0,
          Knobs::finite,
          "a FIXED transform x * featureScale + featureShift applied to every feature while the data is"
              + " packed (e.g. 2 and -1 map [0, 1] to [-1, 1]); public constants only, statistics of the private data leak");
  public static final Knob FEATURE_SHIFT =
      new Knob(
          "data.feature-shift",
          "featureShift",
          Type.DOUBLE,
          0.0,
          Knobs::finite,
          "added to every feature after featureScale (a fixed, public constant)");
  public static final Knob BLOCK_ROWS =
      new Knob(
          "data.block-rows",
          "blockRows",
          Type.INT,
          4096,
          (n, v) -> Checks.positive(n, (int) (Integer) v),
          "rows per cached block on the executors");
  public static final Knob ACTIVATION =
      new Knob(
          "model.activation",
          "activation",
          Type.STRING,
          "tanh",
          oneOf("tanh", "relu"),
          "hidden-layer activation of the MLP: tanh or relu");
  public static final Knob INPUT_NORM =
      new Knob(
          "model.input-norm",
          "inputNorm",
          Type.STRING,
          "none",
          oneOf("none", "per-example"),
          "mlp and logreg: per-example standardises each row's features with the row's own mean and"
              + " standard deviation before the first layer (no statistics of the data set, no parameters); none keeps them");
  public static final Knob INIT_SEED =
      new Knob(
          "model.init-seed",
          "seed",
          Type.LONG,
          1L,
          (n, v) -> {},
          "seed of the weight initialisation only (sampling and noise always come from a secure source)");

  /** Every knob, in documentation order. */
  public static final List<Knob> ALL =
      List.of(
          L2_NORM_CLIP,
          NOISE_MULTIPLIER,
          TARGET_EPSILON,
          DELTA,
          ACCOUNTANT,
          LEDGER,
          NORMALISATION_NOISE_MULTIPLIER,
          EXPECTED_BATCH_SIZE,
          SAMPLING_RATE,
          NUM_MICROBATCHES,
          EPOCHS,
          STEPS,
          OPTIMIZER,
          LEARNING_RATE,
          MOMENTUM,
          ADAM_BETA1,
          ADAM_BETA2,
          ADAM_EPSILON,
          LR_SCHEDULE,
          EMA_DECAY,
          NORMALISATION_WHITENING,
          AGGREGATION_DEPTH,
          RESIDENT_TASKS,
          CHECKPOINT_DIR,
          CHECKPOINT_EVERY,
          DEBUG_LEAK_TRAINING_LOSS,
          NUM_CLASSES,
          USER_COL,
          MAX_EXAMPLES_PER_USER,
          FEATURE_SCALE,
          FEATURE_SHIFT,
          BLOCK_ROWS,
          ACTIVATION,
          INPUT_NORM,
          INIT_SEED);

  private static final Map<String, Knob> BY_PARAM = index();

  /** The knob with this MLlib param name, or null. */
  public static Knob byParam(String param) {
    return BY_PARAM.get(param);
  }

  private static Map<String, Knob> index() {
    Map<String, Knob> m = new LinkedHashMap<>();
    for (Knob k : ALL) {
      if (m.put(k.param(), k) != null) {
        throw new IllegalStateException("two knobs named " + k.param());
      }
    }
    return Map.copyOf(m);
  }

  private static void clip(String name, Object v) {
    double c = Checks.positive(name, (Double) v);
    // Below this, float underflow in the clipped sum is no longer negligible against C
    // (ClipFactors).
    if (c < 1e-30) {
      throw Checks.fail(name, ">= 1e-30", c);
    }
  }

  private static void finite(String name, Object v) {
    double x = (Double) v;
    if (!Double.isFinite(x)) {
      throw Checks.fail(name, "finite", x);
    }
  }

  private static void notBlank(String name, Object v) {
    if (((String) v).isBlank()) {
      throw new InvalidInputException(name + " must not be blank; provided value: '" + v + "'");
    }
  }

  private static Knob.Validator unitInterval() {
    return (n, v) -> {
      double x = (Double) v;
      if (!(x >= 0 && x < 1)) {
        throw Checks.fail(n, "in [0, 1)", x);
      }
    };
  }

  private static Knob.Validator oneOf(String... allowed) {
    List<String> values = List.of(allowed);
    return (n, v) -> {
      if (!values.contains(((String) v).trim().toLowerCase(Locale.ROOT))) {
        throw Checks.fail(n, "one of " + String.join(", ", values), v);
      }
    };
  }
}
