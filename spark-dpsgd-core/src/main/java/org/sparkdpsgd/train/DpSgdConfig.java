package org.sparkdpsgd.train;

import java.util.List;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Shape;

import java.io.Serializable;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The knobs of a DP-SGD run, named as in TensorFlow Privacy. Each setter validates its value, so
 * a bad value fails where it enters; {@link TrainingPlan#resolve} checks the combination against
 * the data size before any step runs.
 *
 * <p>Exactly one of noiseMultiplier / targetEpsilon, one of expectedBatchSize / samplingRate and
 * one of epochs / steps must be set (unset = NaN or 0).
 */
public final class DpSgdConfig implements Serializable {
  double l2NormClip = 1.0;
  double noiseMultiplier = Double.NaN;
  double targetEpsilon = Double.NaN;
  double delta = 1e-5;
  long expectedBatchSize = 0;
  double samplingRate = Double.NaN;
  double epochs = Double.NaN;
  long steps = 0;
  OptimizerSpec optimizer = OptimizerSpec.sgd(0.1);
  int[] hiddenLayers = new int[0];
  Activation activation = Activation.TANH;
  /** The network body as a list of layers; null means the MLP given by hiddenLayers/activation. */
  List<LayerSpec> layers = null;
  /** How each row's features are laid out (channels, height, width); null means a flat vector. */
  int[] inputShape = null;
  AccountantKind accountant = AccountantKind.RDP;
  int aggregationDepth = 2;
  int blockRows = 4096;
  long initSeed = 1L;
  boolean nonPrivate = false;
  double emaDecay = 0.0;
  boolean cosineSchedule = false;
  /** Where checkpoints go (any Hadoop file system); null = no checkpoints. */
  String checkpointDir = null;
  int checkpointEvery = 100;

  public DpSgdConfig l2NormClip(double c) {
    l2NormClip = Checks.positive("l2NormClip", c);
    // Below this, float underflow in the clipped sum is no longer negligible against C (ClipFactors).
    if (c < 1e-30) {
      throw Checks.fail("l2NormClip", ">= 1e-30", c);
    }
    return this;
  }

  public DpSgdConfig noiseMultiplier(double sigma) {
    noiseMultiplier = Checks.nonNegative("noiseMultiplier", sigma);
    targetEpsilon = Double.NaN;
    return this;
  }

  public DpSgdConfig targetEpsilon(double epsilon) {
    targetEpsilon = Checks.positive("targetEpsilon", epsilon);
    noiseMultiplier = Double.NaN;
    return this;
  }

  public DpSgdConfig delta(double d) {
    delta = Checks.openProbability("delta", d);
    return this;
  }

  public DpSgdConfig expectedBatchSize(long b) {
    expectedBatchSize = Checks.positive("expectedBatchSize", b);
    samplingRate = Double.NaN;
    return this;
  }

  public DpSgdConfig samplingRate(double q) {
    samplingRate = Checks.probability("samplingRate", q);
    expectedBatchSize = 0;
    return this;
  }

  public DpSgdConfig epochs(double e) {
    epochs = Checks.positive("epochs", e);
    steps = 0;
    return this;
  }

  public DpSgdConfig steps(long t) {
    steps = Checks.positive("steps", t);
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

  /** The network body (a dense output layer with one unit per class is appended). */
  public DpSgdConfig layers(List<LayerSpec> body) {
    layers = body == null ? null : List.copyOf(body);
    return this;
  }

  /** Channels, height and width of each row's features, e.g. {1, 28, 28} for Fashion-MNIST. */
  public DpSgdConfig inputShape(int... chw) {
    Checks.require(chw == null || chw.length == 0 || chw.length == 3,
        "input shape must be [channels, height, width]; provided value: " + java.util.Arrays.toString(chw));
    inputShape = chw == null || chw.length == 0 ? null : chw.clone();
    if (inputShape != null) {
      new Shape(chw[0], chw[1], chw[2]);
    }
    return this;
  }

  /** The model for data with {@code dim} features and {@code numClasses} classes. */
  public ModelSpec modelSpec(int dim, int numClasses) {
    if (layers == null) {
      return ModelSpec.mlp(dim, hiddenLayers, activation, numClasses);
    }
    Shape shape = inputShape == null ? Shape.flat(dim) : new Shape(inputShape[0], inputShape[1], inputShape[2]);
    Checks.require(shape.size() == dim, "the input shape " + shape + " has " + shape.size()
        + " values but the data's rows have " + dim + " features");
    return new ModelSpec(shape, layers, numClasses);
  }

  public DpSgdConfig accountant(AccountantKind kind) {
    accountant = kind;
    return this;
  }

  public DpSgdConfig aggregationDepth(int depth) {
    aggregationDepth = (int) Checks.positive("aggregationDepth", depth);
    return this;
  }

  public DpSgdConfig blockRows(int rows) {
    blockRows = (int) Checks.positive("blockRows", rows);
    return this;
  }

  /** Seed of the weight initialisation only (sampling and noise are always secure). */
  public DpSgdConfig initSeed(long seed) {
    initSeed = seed;
    return this;
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
    if (!(decay >= 0 && decay < 1)) {
      throw Checks.fail("emaDecay", "in [0, 1)", decay);
    }
    emaDecay = decay;
    return this;
  }

  /** Cosine decay of the learning rate from its value to 0 over the run (false = constant). */
  public DpSgdConfig cosineSchedule(boolean b) {
    cosineSchedule = b;
    return this;
  }

  /**
   * Checkpoints every {@code everySteps} steps to {@code dir}; a run started with a directory
   * that holds a checkpoint of the same settings resumes from it (null dir = off).
   */
  public DpSgdConfig checkpoints(String dir, int everySteps) {
    if (dir != null && dir.isBlank()) {
      throw new InvalidInputException("checkpointDir must not be blank; provided value: '" + dir + "'");
    }
    checkpointDir = dir;
    checkpointEvery = Checks.positive("checkpointEvery", everySteps);
    return this;
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
