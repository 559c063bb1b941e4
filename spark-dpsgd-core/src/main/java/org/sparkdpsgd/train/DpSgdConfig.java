package org.sparkdpsgd.train;

import java.io.Serializable;
import java.util.List;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The knobs of a DP-SGD run, named as in TensorFlow Privacy. Defaults, validators and docs come
 * from the one knob table, {@link Knobs}. Each setter validates its value, so a bad value fails
 * where it enters; {@link TrainingPlan#resolve} checks the combination against the data size before
 * any step runs.
 *
 * <p>Exactly one of noiseMultiplier / targetEpsilon, one of expectedBatchSize / samplingRate and
 * one of epochs / steps must be set (unset = NaN or 0); setting one unsets the other. By default
 * targetEpsilon, expectedBatchSize and epochs are set to the table's defaults.
 */
public final class DpSgdConfig implements Serializable {
  // Every default comes from the knob table (Knobs); unset = NaN or 0.
  double l2NormClip = Knobs.L2_NORM_CLIP.defaultDouble();
  double noiseMultiplier = Double.NaN;
  double targetEpsilon = Knobs.TARGET_EPSILON.defaultDouble();
  double delta = Knobs.DELTA.defaultDouble();
  long expectedBatchSize = Knobs.EXPECTED_BATCH_SIZE.defaultLong();
  double samplingRate = Double.NaN;
  int numMicrobatches = Knobs.NUM_MICROBATCHES.defaultInt();
  double epochs = Knobs.EPOCHS.defaultDouble();
  long steps = 0;
  OptimizerSpec optimizer =
      new OptimizerSpec(
          Knobs.OPTIMIZER.defaultString(),
          Knobs.LEARNING_RATE.defaultDouble(),
          Knobs.MOMENTUM.defaultDouble(),
          Knobs.ADAM_BETA1.defaultDouble(),
          Knobs.ADAM_BETA2.defaultDouble(),
          Knobs.ADAM_EPSILON.defaultDouble());
  int[] hiddenLayers = new int[0];
  Activation activation =
      Activation.parse(Knobs.ACTIVATION.defaultString(), Knobs.ACTIVATION.param());

  boolean inputNormPerExample = Knobs.INPUT_NORM.defaultString().equals("per-example");

  /** The network body as a list of layers; null means the MLP given by hiddenLayers/activation. */
  List<LayerSpec> layers = null;

  /** How each row's features are laid out (channels, height, width); null means a flat vector. */
  int[] inputShape = null;

  /** A language model's window and vocabulary (0 = the layers form a classifier). */
  int lmWindow = 0;

  int lmVocabulary = 0;

  AccountantKind accountant = AccountantKind.parse(Knobs.ACCOUNTANT.defaultString());
  int aggregationDepth = Knobs.AGGREGATION_DEPTH.defaultInt();
  boolean residentTasks = Knobs.RESIDENT_TASKS.defaultBoolean();
  int blockRows = Knobs.BLOCK_ROWS.defaultInt();
  double featureScale = Knobs.FEATURE_SCALE.defaultDouble();
  double featureShift = Knobs.FEATURE_SHIFT.defaultDouble();
  long initSeed = Knobs.INIT_SEED.defaultLong();
  boolean nonPrivate = false;
  boolean leakTrainingLoss = Knobs.DEBUG_LEAK_TRAINING_LOSS.defaultBoolean();
  double emaDecay = Knobs.EMA_DECAY.defaultDouble();
  double normalisationNoiseMultiplier = Knobs.NORMALISATION_NOISE_MULTIPLIER.defaultDouble();
  double normalisationWhitening = Knobs.NORMALISATION_WHITENING.defaultDouble();
  boolean cosineSchedule = Knobs.LR_SCHEDULE.defaultString().equals("cosine");

  /** Where checkpoints go (any Hadoop file system); null = no checkpoints. */
  String checkpointDir = null;

  String initFrom = null;

  String ledger = null;

  int checkpointEvery = Knobs.CHECKPOINT_EVERY.defaultInt();

  public DpSgdConfig l2NormClip(double c) {
    l2NormClip = Knobs.L2_NORM_CLIP.check(c);
    return this;
  }

  public DpSgdConfig noiseMultiplier(double sigma) {
    noiseMultiplier = Knobs.NOISE_MULTIPLIER.check(sigma);
    targetEpsilon = Double.NaN;
    return this;
  }

  public DpSgdConfig targetEpsilon(double epsilon) {
    targetEpsilon = Knobs.TARGET_EPSILON.check(epsilon);
    noiseMultiplier = Double.NaN;
    return this;
  }

  public DpSgdConfig delta(double d) {
    delta = Knobs.DELTA.check(d);
    return this;
  }

  public DpSgdConfig expectedBatchSize(long b) {
    expectedBatchSize = Knobs.EXPECTED_BATCH_SIZE.check(b);
    samplingRate = Double.NaN;
    return this;
  }

  public DpSgdConfig samplingRate(double q) {
    samplingRate = Knobs.SAMPLING_RATE.check(q);
    expectedBatchSize = 0;
    return this;
  }

  /**
   * TensorFlow Privacy's num_microbatches: M microbatches per step, each microbatch's mean gradient
   * clipped to C (0 = per-example clipping); see {@link Knobs#NUM_MICROBATCHES}.
   */
  public DpSgdConfig numMicrobatches(int m) {
    numMicrobatches = Knobs.NUM_MICROBATCHES.check(m);
    return this;
  }

  public int numMicrobatches() {
    return numMicrobatches;
  }

  public DpSgdConfig epochs(double e) {
    epochs = Knobs.EPOCHS.check(e);
    steps = 0;
    return this;
  }

  public DpSgdConfig steps(long t) {
    steps = Knobs.STEPS.check(t);
    epochs = Double.NaN;
    return this;
  }

  public DpSgdConfig optimizer(OptimizerSpec spec) {
    optimizer = spec;
    return this;
  }

  public DpSgdConfig hiddenLayers(int... sizes) {
    for (int s : sizes) {
      Checks.positive("hidden layer size", s);
    }
    hiddenLayers = sizes.clone();
    return this;
  }

  public DpSgdConfig activation(Activation a) {
    activation = a;
    return this;
  }

  /**
   * {@code per-example}: the MLP (or logistic regression) standardises each row with its own mean
   * and standard deviation first; {@code none}: it does not. Only for networks given by
   * hiddenLayers: a list of layers says it with a first {@code groupnorm} of one group.
   */
  public DpSgdConfig inputNorm(String mode) {
    inputNormPerExample = Knobs.INPUT_NORM.isOption(mode, "per-example");
    return this;
  }

  public boolean inputNormPerExample() {
    return inputNormPerExample;
  }

  /** The network body (a dense output layer with one unit per class is appended). */
  public DpSgdConfig layers(List<LayerSpec> body) {
    layers = body == null ? null : List.copyOf(body);
    return this;
  }

  /** Channels, height and width of each row's features, e.g. {1, 28, 28} for Fashion-MNIST. */
  public DpSgdConfig inputShape(int... chw) {
    Checks.require(
        chw == null || chw.length == 0 || chw.length == 3,
        "input shape must be [channels, height, width]; provided value: "
            + java.util.Arrays.toString(chw));
    inputShape = chw == null || chw.length == 0 ? null : chw.clone();
    if (inputShape != null) {
      new Shape(chw[0], chw[1], chw[2]);
    }
    return this;
  }

  /**
   * The layers form a language model over windows of {@code window} ids below {@code vocabulary}
   * (see {@link ModelSpec#languageModel}); its rows hold window + 1 ids.
   */
  public DpSgdConfig languageModel(int window, int vocabulary) {
    Checks.positive("model.window", window);
    Checks.require(
        vocabulary >= 2, "the vocabulary must have >= 2 symbols; provided value: " + vocabulary);
    lmWindow = window;
    lmVocabulary = vocabulary;
    return this;
  }

  /**
   * The model for data with {@code dim} features and {@code numClasses} classes (a language model
   * takes its classes from its vocabulary).
   */
  public ModelSpec modelSpec(int dim, int numClasses) {
    if (lmVocabulary > 0) {
      Checks.require(
          dim == lmWindow + 1,
          "a language model with model.window = "
              + lmWindow
              + " needs rows of "
              + (lmWindow + 1)
              + " token ids (the window and the character after it); the data's rows have "
              + dim);
      Checks.require(
          featureScale == 1.0 && featureShift == 0.0,
          "a language model's features are token ids: data.feature-scale and data.feature-shift"
              + " must stay 1 and 0; provided values: "
              + featureScale
              + ", "
              + featureShift);
      return ModelSpec.languageModel(lmWindow, lmVocabulary, layers);
    }
    Checks.require(
        layers == null || layers.isEmpty() || !(layers.get(0) instanceof LayerSpec.Embedding),
        "an embedding layer starts a language model (model.type = charlm), not a classifier");
    if (layers == null) {
      return ModelSpec.mlp(dim, hiddenLayers, activation, inputNormPerExample, numClasses);
    }
    Checks.require(
        !inputNormPerExample,
        "model.input-norm (MLlib inputNorm) = per-example applies to mlp and logreg only: a network"
            + " given as a list of layers standardises its input with {type = groupnorm, groups = 1,"
            + " affine = false} as its first layer");
    Shape shape =
        inputShape == null
            ? Shape.flat(dim)
            : new Shape(inputShape[0], inputShape[1], inputShape[2]);
    Checks.require(
        shape.size() == dim,
        "the input shape "
            + shape
            + " has "
            + shape.size()
            + " values but the data's rows have "
            + dim
            + " features");
    return new ModelSpec(shape, layers, numClasses);
  }

  public DpSgdConfig accountant(AccountantKind kind) {
    accountant = kind;
    return this;
  }

  /** Steps in resident tasks where they can run (see {@link Knobs#RESIDENT_TASKS}). */
  public DpSgdConfig residentTasks(boolean b) {
    residentTasks = b;
    return this;
  }

  public boolean residentTasks() {
    return residentTasks;
  }

  public DpSgdConfig aggregationDepth(int depth) {
    aggregationDepth = Knobs.AGGREGATION_DEPTH.check(depth);
    return this;
  }

  public DpSgdConfig blockRows(int rows) {
    blockRows = Knobs.BLOCK_ROWS.check(rows);
    return this;
  }

  /** Seed of the weight initialisation only (sampling and noise are always secure). */
  public DpSgdConfig initSeed(long seed) {
    initSeed = seed;
    return this;
  }

  /**
   * Start from the weights of a model {@code dpsgd train} wrote ({@link InitialModel}; null = a
   * random initialisation from the init seed). That model's data must be public: it is not charged.
   */
  public DpSgdConfig initFrom(String location) {
    if (location != null && location.isBlank()) {
      throw new InvalidInputException(
          "model.init-from must name a model.json; provided value: \"" + location + "\"");
    }
    initFrom = location;
    return this;
  }

  public String initFrom() {
    return initFrom;
  }

  /** The weights a run starts from: {@link #initFrom}'s, or a random initialisation from seed. */
  public double[] initialParams(
      org.sparkdpsgd.model.ModelSpec spec, long seed, org.apache.hadoop.conf.Configuration hadoop) {
    return initFrom == null ? spec.initialParams(seed) : InitialModel.read(initFrom, spec, hadoop);
  }

  /**
   * DEBUGGING ONLY: keep each step's un-noised training loss in the metrics. It is outside the
   * privacy guarantee; off by default, and a run with it on is reported as leaking.
   */
  public DpSgdConfig leakTrainingLoss(boolean b) {
    leakTrainingLoss = b;
    return this;
  }

  public boolean leakTrainingLoss() {
    return leakTrainingLoss;
  }

  /** Train without clipping and noise: the baseline for benchmarks. Gives NO privacy guarantee. */
  public DpSgdConfig nonPrivate(boolean b) {
    nonPrivate = b;
    return this;
  }

  /**
   * Keep an exponential moving average of the weights with this decay (0 = off) and return it as
   * the model. Averaging noisy iterates is post-processing (free in privacy) and smooths out noise.
   */
  public DpSgdConfig emaDecay(double decay) {
    emaDecay = Knobs.EMA_DECAY.check(decay);
    return this;
  }

  /**
   * Centre and whiten the features the trained layers see with statistics released once by a
   * Gaussian mechanism of noise multiplier {@code sigma} (0 = off); see {@link
   * Knobs#NORMALISATION_NOISE_MULTIPLIER} and {@code FeatureNormalisation}.
   */
  public DpSgdConfig normalisationNoiseMultiplier(double sigma) {
    normalisationNoiseMultiplier = Knobs.NORMALISATION_NOISE_MULTIPLIER.check(sigma);
    return this;
  }

  /**
   * The whitening power w in [0, 1] (0 = centring only); see {@link Knobs#NORMALISATION_WHITENING}.
   */
  public DpSgdConfig normalisationWhitening(double w) {
    normalisationWhitening = Knobs.NORMALISATION_WHITENING.check(w);
    return this;
  }

  /** Cosine decay of the learning rate from its value to 0 over the run (false = constant). */
  public DpSgdConfig cosineSchedule(boolean b) {
    cosineSchedule = b;
    return this;
  }

  /** {@code constant} or {@code cosine} (see {@link #cosineSchedule}). */
  public DpSgdConfig lrSchedule(String schedule) {
    cosineSchedule = Knobs.LR_SCHEDULE.isOption(schedule, "cosine");
    return this;
  }

  /**
   * A fixed, data-independent transform x · scale + shift of every feature, applied while the data
   * is packed ({@link org.sparkdpsgd.data.TrainingBlocks}). Public constants only.
   */
  public DpSgdConfig featureTransform(double scale, double shift) {
    featureScale = Knobs.FEATURE_SCALE.check(scale);
    featureShift = Knobs.FEATURE_SHIFT.check(shift);
    return this;
  }

  /** Unsets both noiseMultiplier and targetEpsilon: a private fit then fails until one is set. */
  public DpSgdConfig unsetNoise() {
    noiseMultiplier = Double.NaN;
    targetEpsilon = Double.NaN;
    return this;
  }

  /** Unsets both expectedBatchSize and samplingRate: fit then fails until one is set. */
  public DpSgdConfig unsetBatch() {
    expectedBatchSize = 0;
    samplingRate = Double.NaN;
    return this;
  }

  /** Unsets both epochs and steps: fit then fails until one is set. */
  public DpSgdConfig unsetLength() {
    epochs = Double.NaN;
    steps = 0;
    return this;
  }

  /**
   * Checkpoints every {@code everySteps} steps to {@code dir}; a run started with a directory that
   * holds a checkpoint of the same settings resumes from it (null dir = off).
   */
  public DpSgdConfig checkpoints(String dir, int everySteps) {
    checkpointDir = Knobs.CHECKPOINT_DIR.check(dir);
    checkpointEvery = Knobs.CHECKPOINT_EVERY.check(everySteps);
    return this;
  }

  /**
   * The privacy budget ledger the run charges ({@code org.sparkdpsgd.ledger.BudgetLedger}; null =
   * none).
   */
  public DpSgdConfig ledger(String location) {
    ledger = Knobs.LEDGER.check(location);
    return this;
  }

  public String ledger() {
    return ledger;
  }

  /** Where checkpoints go; null = no checkpoints. */
  public String checkpointDir() {
    return checkpointDir;
  }

  public int checkpointEvery() {
    return checkpointEvery;
  }

  public double l2NormClip() {
    return l2NormClip;
  }

  public double delta() {
    return delta;
  }

  public OptimizerSpec optimizer() {
    return optimizer;
  }

  public int[] hiddenLayers() {
    return hiddenLayers.clone();
  }

  public Activation activation() {
    return activation;
  }

  public AccountantKind accountant() {
    return accountant;
  }

  public int aggregationDepth() {
    return aggregationDepth;
  }

  public int blockRows() {
    return blockRows;
  }

  public double emaDecay() {
    return emaDecay;
  }

  public double normalisationNoiseMultiplier() {
    return normalisationNoiseMultiplier;
  }

  public double normalisationWhitening() {
    return normalisationWhitening;
  }

  /** Whether the features are normalised (σ_n > 0, or exactly in a run without privacy). */
  public boolean normalises() {
    return normalisationNoiseMultiplier > 0;
  }

  public boolean cosineSchedule() {
    return cosineSchedule;
  }

  public double featureScale() {
    return featureScale;
  }

  public double featureShift() {
    return featureShift;
  }

  public long initSeed() {
    return initSeed;
  }

  public boolean isNonPrivate() {
    return nonPrivate;
  }

  void requireComplete() {
    if (!nonPrivate && Double.isNaN(noiseMultiplier) && Double.isNaN(targetEpsilon)) {
      throw new InvalidInputException("set either noiseMultiplier or targetEpsilon (with delta)");
    }
    if (expectedBatchSize == 0 && Double.isNaN(samplingRate)) {
      throw new InvalidInputException("set either expectedBatchSize or samplingRate");
    }
    if (steps == 0 && Double.isNaN(epochs)) {
      throw new InvalidInputException("set either epochs or steps");
    }
  }
}
