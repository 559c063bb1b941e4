package org.sparkdpsgd.ml;

import java.io.Serializable;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import scala.runtime.AbstractFunction1;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Dataset;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.LayerConfig;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TrainingResult;

/**
 * DP-SGD as an MLlib {@code Estimator}: fits a multinomial logistic regression or MLP with
 * per-example clipping, Gaussian noise and privacy accounting, and returns a model that carries
 * its privacy report. Unset choices fall back to: noise calibrated to targetEpsilon (default 3)
 * at delta (default 1e-5), expected batch 256, 10 epochs, SGD.
 */
public final class DPSGDClassifier
    extends ProbabilisticClassifier<Vector, DPSGDClassifier, DPSGDClassificationModel>
    implements MLWritable {
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
  private final IntArrayParam hiddenLayers;
  private final Param<String> layers;
  private final IntArrayParam inputShape;
  private final Param<String> activation;
  private final Param<String> accountant;
  private final LongParam seed;
  private final IntParam aggregationDepth;
  private final Param<String> checkpointDir;
  private final IntParam checkpointInterval;

  public DPSGDClassifier() {
    this(PendingUid.take("dpsgd"));
  }

  public DPSGDClassifier(String uid) {
    this(PendingUid.offer(uid), true);
  }

  private DPSGDClassifier(String offeredUid, boolean marker) {
    super();
    l2NormClip = new DoubleParam(this, "l2NormClip",
        "per-example gradient L2 norm bound C; each example's gradient is scaled to norm <= C", ParamValidators.gt(0));
    noiseMultiplier = new DoubleParam(this, "noiseMultiplier",
        "Gaussian noise stddev as a multiple of C (sigma); set this or targetEpsilon", ParamValidators.gtEq(0));
    targetEpsilon = new DoubleParam(this, "targetEpsilon",
        "epsilon the whole run may spend; sigma is calibrated to it (used when noiseMultiplier is not set)",
        ParamValidators.gt(0));
    delta = new DoubleParam(this, "delta", "delta of the (epsilon, delta) guarantee; keep it below 1/N",
        ParamValidators.inRange(0, 1, false, false));
    expectedBatchSize = new LongParam(this, "expectedBatchSize",
        "expected examples per step (q = batch / N, Poisson sampling); or set samplingRate", ParamValidators.gt(0));
    samplingRate = new DoubleParam(this, "samplingRate",
        "probability q that an example is in a step's sample; overrides expectedBatchSize",
        ParamValidators.inRange(0, 1, false, true));
    epochs = new DoubleParam(this, "epochs", "passes over the data (steps = ceil(epochs / q)); or set steps",
        ParamValidators.gt(0));
    steps = new LongParam(this, "steps", "number of DP-SGD steps; overrides epochs", ParamValidators.gt(0));
    optimizer = new Param<>(this, "optimizer", "sgd, momentum or adam",
        ParamValidators.inArray(new String[] {"sgd", "momentum", "adam"}));
    learningRate = new DoubleParam(this, "learningRate", "learning rate", ParamValidators.gt(0));
    hiddenLayers = new IntArrayParam(this, "hiddenLayers",
        "widths of the hidden layers; empty = multinomial logistic regression");
    layers = new Param<>(this, "layers",
        "the network body as a JSON array of layers, e.g. [{\"type\":\"conv2d\",\"filters\":16,\"kernel\":8,"
            + "\"stride\":2,\"padding\":3},{\"type\":\"tanh\"},{\"type\":\"maxpool\",\"size\":2,\"stride\":1},"
            + "{\"type\":\"dense\",\"units\":32},{\"type\":\"tanh\"}] (types: conv2d, maxpool, avgpool, flatten,"
            + " groupnorm, dense, tanh, relu, tempered-sigmoid); a dense output layer is appended. Empty = the MLP"
            + " of hiddenLayers/activation",
        new ValidLayers());
    inputShape = new IntArrayParam(this, "inputShape",
        "[channels, height, width] of the features vector (e.g. [1, 28, 28] for Fashion-MNIST); empty = flat",
        new ValidShape());
    activation = new Param<>(this, "activation", "hidden-layer activation: tanh or relu",
        ParamValidators.inArray(new String[] {"tanh", "relu"}));
    accountant = new Param<>(this, "accountant", "privacy accountant: rdp or pld",
        ParamValidators.inArray(new String[] {"rdp", "pld"}));
    seed = new LongParam(this, "seed",
        "seed of the weight initialisation only (sampling and noise always come from a secure source)");
    aggregationDepth = new IntParam(this, "aggregationDepth", "depth of treeAggregate", ParamValidators.gtEq(1));
    checkpointDir = new Param<>(this, "checkpointDir",
        "directory for training checkpoints on any Hadoop file system (unset = none). A fit whose directory holds"
            + " a checkpoint of the same settings resumes from it; the steps an interrupted fit may have released"
            + " after its last checkpoint are charged again, so spent privacy is never forgotten");
    checkpointInterval = new IntParam(this, "checkpointInterval",
        "steps between checkpoints (a crash costs at most this many steps of privacy twice)", ParamValidators.gtEq(1));
    setDefault(checkpointInterval, 100);
    setDefault(l2NormClip, 1.0);
    setDefault(targetEpsilon, 3.0);
    setDefault(delta, 1e-5);
    setDefault(expectedBatchSize, 256L);
    setDefault(epochs, 10.0);
    setDefault(optimizer, "sgd");
    setDefault(learningRate, 0.1);
    setDefault(hiddenLayers, new int[0]);
    setDefault(activation, "tanh");
    setDefault(layers, "");
    setDefault(inputShape, new int[0]);
    setDefault(accountant, "rdp");
    setDefault(seed, 1L);
    setDefault(aggregationDepth, 2);
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

  public LongParam steps() {
    return steps;
  }

  public Param<String> optimizer() {
    return optimizer;
  }

  public DoubleParam learningRate() {
    return learningRate;
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

  @Override
  public String uid() {
    if (uid == null) {
      uid = PendingUid.take("dpsgd");
    }
    return uid;
  }

  public DPSGDClassifier setL2NormClip(double v) { return (DPSGDClassifier) set(l2NormClip, v); }
  public DPSGDClassifier setNoiseMultiplier(double v) { return (DPSGDClassifier) set(noiseMultiplier, v); }
  public DPSGDClassifier setTargetEpsilon(double v) { return (DPSGDClassifier) set(targetEpsilon, v); }
  public DPSGDClassifier setDelta(double v) { return (DPSGDClassifier) set(delta, v); }
  public DPSGDClassifier setExpectedBatchSize(long v) { return (DPSGDClassifier) set(expectedBatchSize, v); }
  public DPSGDClassifier setSamplingRate(double v) { return (DPSGDClassifier) set(samplingRate, v); }
  public DPSGDClassifier setEpochs(double v) { return (DPSGDClassifier) set(epochs, v); }
  public DPSGDClassifier setSteps(long v) { return (DPSGDClassifier) set(steps, v); }
  public DPSGDClassifier setOptimizer(String v) { return (DPSGDClassifier) set(optimizer, v); }
  public DPSGDClassifier setLearningRate(double v) { return (DPSGDClassifier) set(learningRate, v); }
  public DPSGDClassifier setHiddenLayers(int[] v) { return (DPSGDClassifier) set(hiddenLayers, v); }
  public DPSGDClassifier setLayers(String json) { return (DPSGDClassifier) set(layers, json); }
  public DPSGDClassifier setInputShape(int[] v) { return (DPSGDClassifier) set(inputShape, v); }
  public DPSGDClassifier setActivation(String v) { return (DPSGDClassifier) set(activation, v); }
  public DPSGDClassifier setAccountant(String v) { return (DPSGDClassifier) set(accountant, v); }
  public DPSGDClassifier setSeed(long v) { return (DPSGDClassifier) set(seed, v); }
  public DPSGDClassifier setAggregationDepth(int v) { return (DPSGDClassifier) set(aggregationDepth, v); }
  public DPSGDClassifier setCheckpointDir(String v) { return (DPSGDClassifier) set(checkpointDir, v); }
  public DPSGDClassifier setCheckpointInterval(int v) { return (DPSGDClassifier) set(checkpointInterval, v); }

  public IntParam checkpointInterval() {
    return checkpointInterval;
  }

  @Override
  public DPSGDClassificationModel train(Dataset<?> dataset) {
    DpSgdConfig config = config();
    try (TrainingBlocks data = TrainingBlocks.prepare(dataset.toDF(), getFeaturesCol(), getLabelCol(), 0, 0,
        config.blockRows(), "DPSGDClassifier input")) {
      TrainingResult r = new DpSgdTrainer(config).fit(data);
      return new DPSGDClassificationModel(uid() + "_model", r.spec(), r.params(), r.privacy())
          .withTrainingMetrics(r.metrics()).setParent(this);
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
    if (isSet(steps)) {
      c.steps((Long) getOrDefault(steps));
    } else {
      c.epochs(num(epochs));
    }
    return c.optimizer(new OptimizerSpec(getOrDefault(optimizer), num(learningRate), 0.9, 0.9, 0.999, 1e-8))
        .hiddenLayers(getOrDefault(hiddenLayers))
        .activation(Activation.parse(getOrDefault(activation), "activation"))
        .layers(getOrDefault(layers).isBlank() ? null : LayerConfig.parseJson(getOrDefault(layers), "layers param"))
        .inputShape(getOrDefault(inputShape))
        .accountant(AccountantKind.parse(getOrDefault(accountant)))
        .initSeed((Long) getOrDefault(seed))
        .aggregationDepth((Integer) getOrDefault(aggregationDepth))
        .checkpoints(isDefined(checkpointDir) ? getOrDefault(checkpointDir) : null,
            (Integer) getOrDefault(checkpointInterval));
  }

  /** Param validators can only say no; the parse error is shown when fit() parses the value. */
  private static final class ValidLayers extends AbstractFunction1<String, Object> implements Serializable {
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

  private static final class ValidShape extends AbstractFunction1<int[], Object> implements Serializable {
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
    return new StagePersistence.ParamsReader<>(DPSGDClassifier::new);
  }

  public static DPSGDClassifier load(String path) {
    return read().load(path);
  }
}
