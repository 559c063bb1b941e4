package org.sparkdpsgd.ml;

import java.io.Serializable;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Dataset;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.data.UserBlocks;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.LayerConfig;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Knob;
import org.sparkdpsgd.train.Knobs;
import org.sparkdpsgd.train.TrainingResult;
import scala.runtime.AbstractFunction1;

/**
 * DP-SGD as an MLlib {@code Estimator}: fits a multinomial logistic regression or MLP with
 * per-example clipping, Gaussian noise and privacy accounting, and returns a model that carries its
 * privacy report. Every knob (name, default, validator, doc) is defined once, in {@link Knobs}, and
 * shared with the CLI and {@link DpSgdConfig}: unset choices fall back to noise calibrated to
 * targetEpsilon 3 at delta 1e-5, expected batch 256, 60 epochs, SGD with learning rate 0.15. Saved
 * estimators record their defaults too (format version 3), so a later change of a default does not
 * change what a reloaded estimator does.
 */
public final class DPSGDClassifier
    extends ProbabilisticClassifier<Vector, DPSGDClassifier, DPSGDClassificationModel>
    implements MLWritable, StagePersistence.RestorableDefaults {
  private String uid;

  private final DoubleParam l2NormClip;
  private final DoubleParam noiseMultiplier;
  private final DoubleParam targetEpsilon;
  private final DoubleParam delta;
  private final LongParam expectedBatchSize;
  private final DoubleParam samplingRate;
  private final DoubleParam epochs;
  private final LongParam steps;
  private final Param<String> optimizer;
  private final DoubleParam learningRate;
  private final DoubleParam momentum;
  private final DoubleParam adamBeta1;
  private final DoubleParam adamBeta2;
  private final DoubleParam adamEpsilon;
  private final Param<String> lrSchedule;
  private final DoubleParam emaDecay;
  private final DoubleParam normalisationNoiseMultiplier;
  private final DoubleParam normalisationWhitening;
  private final DoubleParam featureScale;
  private final DoubleParam featureShift;
  private final IntParam blockRows;
  private final IntArrayParam hiddenLayers;
  private final Param<String> layers;
  private final IntArrayParam inputShape;
  private final Param<String> activation;
  private final Param<String> inputNorm;
  private final Param<String> accountant;
  private final LongParam seed;
  private final IntParam aggregationDepth;
  private final IntParam numMicrobatches;
  private final Param<String> checkpointDir;
  private final Param<String> ledger;
  private final IntParam checkpointInterval;
  private final IntParam numClasses;
  private final Param<String> userCol;
  private final IntParam maxExamplesPerUser;
  private final org.apache.spark.ml.param.BooleanParam debugLeakTrainingLoss;
  private final org.apache.spark.ml.param.BooleanParam residentTasks;

  /**
   * What an estimator saved in format versions 0 to 2 (which recorded only set params) did for each
   * unset param: the defaults of the code that wrote those versions, and the values it hard-coded
   * (momentum, Adam, schedule, averaging, feature transform, block size had no param then). Frozen:
   * never edit these when a default of {@link Knobs} changes.
   */
  static final java.util.Map<String, Object> DEFAULTS_BEFORE_FORMAT_3 =
      java.util.Map.ofEntries(
          java.util.Map.entry("l2NormClip", 1.0),
          java.util.Map.entry("targetEpsilon", 3.0),
          java.util.Map.entry("delta", 1e-5),
          java.util.Map.entry("expectedBatchSize", 256L),
          java.util.Map.entry("epochs", 10.0),
          java.util.Map.entry("optimizer", "sgd"),
          java.util.Map.entry("learningRate", 0.1),
          java.util.Map.entry("momentum", 0.9),
          java.util.Map.entry("adamBeta1", 0.9),
          java.util.Map.entry("adamBeta2", 0.999),
          java.util.Map.entry("adamEpsilon", 1e-8),
          java.util.Map.entry("lrSchedule", "constant"),
          java.util.Map.entry("emaDecay", 0.0),
          java.util.Map.entry("featureScale", 1.0),
          java.util.Map.entry("featureShift", 0.0),
          java.util.Map.entry("blockRows", 4096),
          java.util.Map.entry("hiddenLayers", new int[0]),
          java.util.Map.entry("layers", ""),
          java.util.Map.entry("inputShape", new int[0]),
          java.util.Map.entry("activation", "tanh"),
          java.util.Map.entry("inputNorm", "none"),
          java.util.Map.entry("accountant", "rdp"),
          java.util.Map.entry("seed", 1L),
          java.util.Map.entry("aggregationDepth", 2),
          // How steps reach the executors, not what they compute (the sums are the same).
          java.util.Map.entry("residentTasks", true),
          java.util.Map.entry("checkpointInterval", 100));

  public DPSGDClassifier() {
    this(PendingUid.take("dpsgd"));
  }

  public DPSGDClassifier(String uid) {
    this(PendingUid.offer(uid), true);
  }

  private DPSGDClassifier(String offeredUid, boolean marker) {
    super();
    // Name, doc, validator and default of every knob come from the one table (Knobs).
    l2NormClip = withDefault(KnobParams.doubleParam(this, Knobs.L2_NORM_CLIP), Knobs.L2_NORM_CLIP);
    noiseMultiplier =
        withDefault(KnobParams.doubleParam(this, Knobs.NOISE_MULTIPLIER), Knobs.NOISE_MULTIPLIER);
    targetEpsilon =
        withDefault(KnobParams.doubleParam(this, Knobs.TARGET_EPSILON), Knobs.TARGET_EPSILON);
    delta = withDefault(KnobParams.doubleParam(this, Knobs.DELTA), Knobs.DELTA);
    expectedBatchSize =
        withDefault(
            KnobParams.longParam(this, Knobs.EXPECTED_BATCH_SIZE), Knobs.EXPECTED_BATCH_SIZE);
    samplingRate =
        withDefault(KnobParams.doubleParam(this, Knobs.SAMPLING_RATE), Knobs.SAMPLING_RATE);
    // Saved estimators without it keep the default 0 (per-example), which is what they did.
    numMicrobatches =
        withDefault(KnobParams.intParam(this, Knobs.NUM_MICROBATCHES), Knobs.NUM_MICROBATCHES);
    epochs = withDefault(KnobParams.doubleParam(this, Knobs.EPOCHS), Knobs.EPOCHS);
    steps = withDefault(KnobParams.longParam(this, Knobs.STEPS), Knobs.STEPS);
    optimizer = withDefault(KnobParams.stringParam(this, Knobs.OPTIMIZER), Knobs.OPTIMIZER);
    learningRate =
        withDefault(KnobParams.doubleParam(this, Knobs.LEARNING_RATE), Knobs.LEARNING_RATE);
    momentum = withDefault(KnobParams.doubleParam(this, Knobs.MOMENTUM), Knobs.MOMENTUM);
    adamBeta1 = withDefault(KnobParams.doubleParam(this, Knobs.ADAM_BETA1), Knobs.ADAM_BETA1);
    adamBeta2 = withDefault(KnobParams.doubleParam(this, Knobs.ADAM_BETA2), Knobs.ADAM_BETA2);
    adamEpsilon = withDefault(KnobParams.doubleParam(this, Knobs.ADAM_EPSILON), Knobs.ADAM_EPSILON);
    lrSchedule = withDefault(KnobParams.stringParam(this, Knobs.LR_SCHEDULE), Knobs.LR_SCHEDULE);
    emaDecay = withDefault(KnobParams.doubleParam(this, Knobs.EMA_DECAY), Knobs.EMA_DECAY);
    normalisationNoiseMultiplier =
        withDefault(
            KnobParams.doubleParam(this, Knobs.NORMALISATION_NOISE_MULTIPLIER),
            Knobs.NORMALISATION_NOISE_MULTIPLIER);
    normalisationWhitening =
        withDefault(
            KnobParams.doubleParam(this, Knobs.NORMALISATION_WHITENING),
            Knobs.NORMALISATION_WHITENING);
    featureScale =
        withDefault(KnobParams.doubleParam(this, Knobs.FEATURE_SCALE), Knobs.FEATURE_SCALE);
    featureShift =
        withDefault(KnobParams.doubleParam(this, Knobs.FEATURE_SHIFT), Knobs.FEATURE_SHIFT);
    blockRows = withDefault(KnobParams.intParam(this, Knobs.BLOCK_ROWS), Knobs.BLOCK_ROWS);
    activation = withDefault(KnobParams.stringParam(this, Knobs.ACTIVATION), Knobs.ACTIVATION);
    inputNorm = withDefault(KnobParams.stringParam(this, Knobs.INPUT_NORM), Knobs.INPUT_NORM);
    accountant = withDefault(KnobParams.stringParam(this, Knobs.ACCOUNTANT), Knobs.ACCOUNTANT);
    seed = withDefault(KnobParams.longParam(this, Knobs.INIT_SEED), Knobs.INIT_SEED);
    aggregationDepth =
        withDefault(KnobParams.intParam(this, Knobs.AGGREGATION_DEPTH), Knobs.AGGREGATION_DEPTH);
    checkpointDir =
        withDefault(KnobParams.stringParam(this, Knobs.CHECKPOINT_DIR), Knobs.CHECKPOINT_DIR);
    checkpointInterval =
        withDefault(KnobParams.intParam(this, Knobs.CHECKPOINT_EVERY), Knobs.CHECKPOINT_EVERY);
    ledger = withDefault(KnobParams.stringParam(this, Knobs.LEDGER), Knobs.LEDGER);
    numClasses = withDefault(KnobParams.intParam(this, Knobs.NUM_CLASSES), Knobs.NUM_CLASSES);
    userCol = withDefault(KnobParams.stringParam(this, Knobs.USER_COL), Knobs.USER_COL);
    maxExamplesPerUser =
        withDefault(
            KnobParams.intParam(this, Knobs.MAX_EXAMPLES_PER_USER), Knobs.MAX_EXAMPLES_PER_USER);
    debugLeakTrainingLoss =
        withDefault(
            KnobParams.booleanParam(this, Knobs.DEBUG_LEAK_TRAINING_LOSS),
            Knobs.DEBUG_LEAK_TRAINING_LOSS);
    residentTasks =
        withDefault(KnobParams.booleanParam(this, Knobs.RESIDENT_TASKS), Knobs.RESIDENT_TASKS);
    // The network's structure is not a knob of the table (the CLI describes it differently).
    hiddenLayers =
        new IntArrayParam(
            this,
            "hiddenLayers",
            "widths of the hidden layers; empty = multinomial logistic regression");
    layers =
        new Param<>(
            this,
            "layers",
            "the network body as a JSON array of layers, e.g. [{\"type\":\"conv2d\",\"filters\":16,\"kernel\":8,"
                + "\"stride\":2,\"padding\":3},{\"type\":\"tanh\"},{\"type\":\"maxpool\",\"size\":2,\"stride\":1},"
                + "{\"type\":\"dense\",\"units\":32},{\"type\":\"tanh\"}] (types: scattering, conv2d, maxpool, avgpool,"
                + " flatten, groupnorm, append-input, dense, tanh, relu, tempered-sigmoid); a dense output layer is appended. Empty = the MLP"
                + " of hiddenLayers/activation",
            new ValidLayers());
    inputShape =
        new IntArrayParam(
            this,
            "inputShape",
            "[channels, height, width] of the features vector (e.g. [1, 28, 28] for Fashion-MNIST); empty = flat",
            new ValidShape());
    setDefault(hiddenLayers, new int[0]);
    setDefault(layers, "");
    setDefault(inputShape, new int[0]);
  }

  /** Sets the table's default, if the knob has one (no reflection: Spark's param list is lazy). */
  @SuppressWarnings("unchecked")
  private <P extends Param<?>> P withDefault(P p, Knob k) {
    if (k.hasDefault()) {
      setDefault((Param<Object>) p, k.defaultValue());
    }
    return p;
  }

  /** Restores a saved default (format version 3+), or a default of an older version's code. */
  @Override
  public void restoreDefault(Param<Object> p, Object value) {
    setDefault(p, value);
  }

  public DoubleParam l2NormClip() {
    return l2NormClip;
  }

  public DoubleParam noiseMultiplier() {
    return noiseMultiplier;
  }

  public DoubleParam targetEpsilon() {
    return targetEpsilon;
  }

  public DoubleParam delta() {
    return delta;
  }

  public LongParam expectedBatchSize() {
    return expectedBatchSize;
  }

  public DoubleParam samplingRate() {
    return samplingRate;
  }

  public DoubleParam epochs() {
    return epochs;
  }

  /**
   * TF Privacy's num_microbatches (0 = per-example clipping); see {@link Knobs#NUM_MICROBATCHES}.
   */
  public IntParam numMicrobatches() {
    return numMicrobatches;
  }

  public LongParam steps() {
    return steps;
  }

  public Param<String> optimizer() {
    return optimizer;
  }

  public DoubleParam learningRate() {
    return learningRate;
  }

  public DoubleParam momentum() {
    return momentum;
  }

  public DoubleParam adamBeta1() {
    return adamBeta1;
  }

  public DoubleParam adamBeta2() {
    return adamBeta2;
  }

  public DoubleParam adamEpsilon() {
    return adamEpsilon;
  }

  public Param<String> lrSchedule() {
    return lrSchedule;
  }

  public DoubleParam emaDecay() {
    return emaDecay;
  }

  public DoubleParam normalisationNoiseMultiplier() {
    return normalisationNoiseMultiplier;
  }

  public DoubleParam normalisationWhitening() {
    return normalisationWhitening;
  }

  public DoubleParam featureScale() {
    return featureScale;
  }

  public DoubleParam featureShift() {
    return featureShift;
  }

  public IntParam blockRows() {
    return blockRows;
  }

  public IntArrayParam hiddenLayers() {
    return hiddenLayers;
  }

  public Param<String> layers() {
    return layers;
  }

  public IntArrayParam inputShape() {
    return inputShape;
  }

  public Param<String> activation() {
    return activation;
  }

  public Param<String> inputNorm() {
    return inputNorm;
  }

  public Param<String> accountant() {
    return accountant;
  }

  public LongParam seed() {
    return seed;
  }

  public IntParam aggregationDepth() {
    return aggregationDepth;
  }

  public Param<String> checkpointDir() {
    return checkpointDir;
  }

  public Param<String> ledger() {
    return ledger;
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = PendingUid.take("dpsgd");
    }
    return uid;
  }

  public DPSGDClassifier setL2NormClip(double v) {
    return put(Knobs.L2_NORM_CLIP, l2NormClip, v);
  }

  public DPSGDClassifier setNoiseMultiplier(double v) {
    return put(Knobs.NOISE_MULTIPLIER, noiseMultiplier, v);
  }

  public DPSGDClassifier setTargetEpsilon(double v) {
    return put(Knobs.TARGET_EPSILON, targetEpsilon, v);
  }

  public DPSGDClassifier setDelta(double v) {
    return put(Knobs.DELTA, delta, v);
  }

  public DPSGDClassifier setExpectedBatchSize(long v) {
    return put(Knobs.EXPECTED_BATCH_SIZE, expectedBatchSize, v);
  }

  public DPSGDClassifier setSamplingRate(double v) {
    return put(Knobs.SAMPLING_RATE, samplingRate, v);
  }

  public DPSGDClassifier setNumMicrobatches(int v) {
    return put(Knobs.NUM_MICROBATCHES, numMicrobatches, v);
  }

  public DPSGDClassifier setEpochs(double v) {
    return put(Knobs.EPOCHS, epochs, v);
  }

  public DPSGDClassifier setSteps(long v) {
    return put(Knobs.STEPS, steps, v);
  }

  public DPSGDClassifier setOptimizer(String v) {
    return put(Knobs.OPTIMIZER, optimizer, v);
  }

  public DPSGDClassifier setLearningRate(double v) {
    return put(Knobs.LEARNING_RATE, learningRate, v);
  }

  public DPSGDClassifier setMomentum(double v) {
    return put(Knobs.MOMENTUM, momentum, v);
  }

  public DPSGDClassifier setAdamBeta1(double v) {
    return put(Knobs.ADAM_BETA1, adamBeta1, v);
  }

  public DPSGDClassifier setAdamBeta2(double v) {
    return put(Knobs.ADAM_BETA2, adamBeta2, v);
  }

  public DPSGDClassifier setAdamEpsilon(double v) {
    return put(Knobs.ADAM_EPSILON, adamEpsilon, v);
  }

  public DPSGDClassifier setLrSchedule(String v) {
    return put(Knobs.LR_SCHEDULE, lrSchedule, v);
  }

  public DPSGDClassifier setEmaDecay(double v) {
    return put(Knobs.EMA_DECAY, emaDecay, v);
  }

  public DPSGDClassifier setNormalisationNoiseMultiplier(double v) {
    return put(Knobs.NORMALISATION_NOISE_MULTIPLIER, normalisationNoiseMultiplier, v);
  }

  public DPSGDClassifier setNormalisationWhitening(double v) {
    return put(Knobs.NORMALISATION_WHITENING, normalisationWhitening, v);
  }

  public DPSGDClassifier setFeatureScale(double v) {
    return put(Knobs.FEATURE_SCALE, featureScale, v);
  }

  public DPSGDClassifier setFeatureShift(double v) {
    return put(Knobs.FEATURE_SHIFT, featureShift, v);
  }

  public DPSGDClassifier setBlockRows(int v) {
    return put(Knobs.BLOCK_ROWS, blockRows, v);
  }

  public DPSGDClassifier setHiddenLayers(int[] v) {
    return (DPSGDClassifier) set(hiddenLayers, v);
  }

  public DPSGDClassifier setLayers(String json) {
    return (DPSGDClassifier) set(layers, json);
  }

  public DPSGDClassifier setInputShape(int[] v) {
    return (DPSGDClassifier) set(inputShape, v);
  }

  public DPSGDClassifier setActivation(String v) {
    return put(Knobs.ACTIVATION, activation, v);
  }

  public DPSGDClassifier setInputNorm(String v) {
    return put(Knobs.INPUT_NORM, inputNorm, v);
  }

  public DPSGDClassifier setAccountant(String v) {
    return put(Knobs.ACCOUNTANT, accountant, v);
  }

  public DPSGDClassifier setSeed(long v) {
    return put(Knobs.INIT_SEED, seed, v);
  }

  public DPSGDClassifier setAggregationDepth(int v) {
    return put(Knobs.AGGREGATION_DEPTH, aggregationDepth, v);
  }

  public DPSGDClassifier setCheckpointDir(String v) {
    return put(Knobs.CHECKPOINT_DIR, checkpointDir, v);
  }

  /**
   * The privacy budget ledger every fit charges before its first step (see {@link Knobs#LEDGER}).
   */
  public DPSGDClassifier setLedger(String v) {
    return put(Knobs.LEDGER, ledger, v);
  }

  public DPSGDClassifier setCheckpointInterval(int v) {
    return put(Knobs.CHECKPOINT_EVERY, checkpointInterval, v);
  }

  /**
   * K, labels 0..K-1; 0 (default) = from the label column's ML metadata. Never inferred from the
   * labels.
   */
  public DPSGDClassifier setNumClasses(int v) {
    return put(Knobs.NUM_CLASSES, numClasses, v);
  }

  /** DEBUGGING ONLY: keep the un-noised training loss per step (outside the privacy guarantee). */
  public DPSGDClassifier setDebugLeakTrainingLoss(boolean v) {
    return put(Knobs.DEBUG_LEAK_TRAINING_LOSS, debugLeakTrainingLoss, v);
  }

  /** Steps in one Spark job of resident tasks (true) or one Spark job per step (false). */
  public DPSGDClassifier setResidentTasks(boolean v) {
    return put(Knobs.RESIDENT_TASKS, residentTasks, v);
  }

  public org.apache.spark.ml.param.BooleanParam residentTasks() {
    return residentTasks;
  }

  public IntParam numClasses() {
    return numClasses;
  }

  public org.apache.spark.ml.param.BooleanParam debugLeakTrainingLoss() {
    return debugLeakTrainingLoss;
  }

  /** Checks with the table's validator first, so a bad value gets its uniform message. */
  @SuppressWarnings("unchecked")
  private DPSGDClassifier put(Knob knob, Param<?> p, Object v) {
    return (DPSGDClassifier) set((Param<Object>) p, knob.check(v));
  }

  /** User-level privacy: the column naming each row's user (see {@link Knobs#USER_COL}). */
  public Param<String> userCol() {
    return userCol;
  }

  public DPSGDClassifier setUserCol(String v) {
    return put(Knobs.USER_COL, userCol, v);
  }

  public IntParam maxExamplesPerUser() {
    return maxExamplesPerUser;
  }

  public DPSGDClassifier setMaxExamplesPerUser(int v) {
    return put(Knobs.MAX_EXAMPLES_PER_USER, maxExamplesPerUser, v);
  }

  public IntParam checkpointInterval() {
    return checkpointInterval;
  }

  @Override
  public DPSGDClassificationModel train(Dataset<?> dataset) {
    DpSgdConfig config = config();
    try (TrainingBlocks data =
        TrainingBlocks.prepare(
            dataset.toDF(),
            getFeaturesCol(),
            getLabelCol(),
            0,
            (Integer) getOrDefault(numClasses),
            config.blockRows(),
            "DPSGDClassifier input",
            config.featureScale(),
            config.featureShift(),
            isDefined(userCol) && getOrDefault(userCol) != null
                ? new UserBlocks.Grouping(
                    getOrDefault(userCol), (Integer) getOrDefault(maxExamplesPerUser))
                : null)) {
      TrainingResult r = new DpSgdTrainer(config).fit(data);
      // the model applies the same feature transform before scoring as the packing did here
      return new DPSGDClassificationModel(
              uid() + "_model",
              r.spec(),
              r.params(),
              r.privacy(),
              config.featureScale(),
              config.featureShift())
          .withTrainingMetrics(r.metrics())
          .setParent(this);
    }
  }

  DpSgdConfig config() {
    DpSgdConfig c = new DpSgdConfig().l2NormClip(num(l2NormClip)).delta(num(delta));
    if (isSet(noiseMultiplier)) {
      c.noiseMultiplier(num(noiseMultiplier));
    } else {
      c.targetEpsilon(num(targetEpsilon));
    }
    if (isSet(samplingRate)) {
      c.samplingRate(num(samplingRate));
    } else {
      c.expectedBatchSize((Long) getOrDefault(expectedBatchSize));
    }
    c.numMicrobatches((Integer) getOrDefault(numMicrobatches));
    if (isSet(steps)) {
      c.steps((Long) getOrDefault(steps));
    } else {
      c.epochs(num(epochs));
    }
    return c.optimizer(
            new OptimizerSpec(
                getOrDefault(optimizer),
                num(learningRate),
                num(momentum),
                num(adamBeta1),
                num(adamBeta2),
                num(adamEpsilon)))
        .lrSchedule(getOrDefault(lrSchedule))
        .emaDecay(num(emaDecay))
        .normalisationNoiseMultiplier(num(normalisationNoiseMultiplier))
        .normalisationWhitening(num(normalisationWhitening))
        .featureTransform(num(featureScale), num(featureShift))
        .blockRows((Integer) getOrDefault(blockRows))
        .hiddenLayers(getOrDefault(hiddenLayers))
        .activation(Activation.parse(getOrDefault(activation), "activation"))
        .inputNorm(getOrDefault(inputNorm))
        .layers(
            getOrDefault(layers).isBlank()
                ? null
                : LayerConfig.parseJson(getOrDefault(layers), "layers param"))
        .inputShape(getOrDefault(inputShape))
        .accountant(AccountantKind.parse(getOrDefault(accountant)))
        .initSeed((Long) getOrDefault(seed))
        .aggregationDepth((Integer) getOrDefault(aggregationDepth))
        .leakTrainingLoss((Boolean) getOrDefault(debugLeakTrainingLoss))
        .residentTasks((Boolean) getOrDefault(residentTasks))
        .checkpoints(
            isDefined(checkpointDir) ? getOrDefault(checkpointDir) : null,
            (Integer) getOrDefault(checkpointInterval))
        .ledger(isDefined(ledger) ? getOrDefault(ledger) : null);
  }

  /** Param validators can only say no; the parse error is shown when fit() parses the value. */
  private static final class ValidLayers extends AbstractFunction1<String, Object>
      implements Serializable {
    @Override
    public Object apply(String json) {
      try {
        if (!json.isBlank()) {
          LayerConfig.parseJson(json, "layers param");
        }
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }
  }

  private static final class ValidShape extends AbstractFunction1<int[], Object>
      implements Serializable {
    @Override
    public Object apply(int[] v) {
      return v.length == 0 || (v.length == 3 && v[0] > 0 && v[1] > 0 && v[2] > 0);
    }
  }

  private double num(DoubleParam p) {
    return (Double) getOrDefault(p);
  }

  @Override
  public DPSGDClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public org.apache.spark.ml.util.MLWriter write() {
    return new StagePersistence.ParamsWriter(this, null);
  }

  public static org.apache.spark.ml.util.MLReader<DPSGDClassifier> read() {
    return new StagePersistence.ParamsReader<>(DPSGDClassifier::new, DEFAULTS_BEFORE_FORMAT_3);
  }

  public static DPSGDClassifier load(String path) {
    return read().load(path);
  }
}
