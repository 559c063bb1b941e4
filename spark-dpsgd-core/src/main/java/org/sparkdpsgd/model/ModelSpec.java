package org.sparkdpsgd.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * A classifier's architecture: input shape → body layers → a dense head with one output per class →
 * softmax cross-entropy. An empty body is multinomial logistic regression. Parameters live in one
 * flat vector: per parametric layer, its arrays in {@link LayerSpec#paramShapes} order (dense: W
 * [in × out] row-major, then b).
 *
 * <p>A model whose first layer is an {@link LayerSpec.Embedding} is a language model instead
 * ({@link #isSequence}, built by {@link #languageModel}): each input row holds window + 1 token ids
 * below {@code numClasses} (the vocabulary); the network reads ids 0..T−1 and predicts ids 1..T,
 * through a per-position head (a kernel-1 {@link LayerSpec.CausalConv1D} with one output per
 * symbol) and {@link SequenceCrossEntropy}. Its other layers must keep position t from seeing later
 * positions: causal convolutions and activations only.
 */
public record ModelSpec(Shape input, List<LayerSpec> layers, int numClasses)
    implements Serializable {

  public ModelSpec {
    Checks.require(input != null, "the model's input shape is missing");
    Checks.require(
        numClasses >= 2, "number of classes must be >= 2; provided value: " + numClasses);
    layers = List.copyOf(layers == null ? List.of() : layers);
    boolean sequence = startsWithEmbedding(layers);
    if (sequence && (!input.isFlat() || input.size() < 2)) {
      throw new InvalidInputException(
          "a language model's rows hold window + 1 token ids (a flat input of at least 2 values);"
              + " provided input shape: "
              + input);
    }
    Shape s = firstLayerInput(input, layers, numClasses);
    for (int l = 0; l < layers.size(); l++) {
      checkPlace(layers, l, sequence);
      try {
        s = layers.get(l).outputShape(s, input);
      } catch (InvalidInputException e) {
        throw new InvalidInputException(
            where(layers, l) + " on input " + s + ": " + e.getMessage());
      }
    }
  }

  /** How an error names layer l: "layer 3 (dense(10))". */
  private static String where(List<LayerSpec> layers, int l) {
    return "layer " + (l + 1) + " (" + layers.get(l).describe() + ")";
  }

  /**
   * True when every one of these leading layers is fixed (see {@link #fixedLayers}); false if none.
   */
  private static boolean allFixed(List<LayerSpec> leading) {
    return !leading.isEmpty() && fixedPrefix(leading) == leading.size();
  }

  private static boolean startsWithEmbedding(List<LayerSpec> layers) {
    return !layers.isEmpty() && layers.get(0) instanceof LayerSpec.Embedding;
  }

  /** The first layer's input: the rows, or for a language model T ids over V symbols. */
  private static Shape firstLayerInput(Shape input, List<LayerSpec> layers, int numClasses) {
    return startsWithEmbedding(layers) ? Shape.sequence(input.size() - 1, numClasses) : input;
  }

  /** Refuses layer l where it cannot work (see the class comment). */
  private static void checkPlace(List<LayerSpec> layers, int l, boolean sequence) {
    LayerSpec layer = layers.get(l);
    String where = where(layers, l);
    if (l > 0 && layer instanceof LayerSpec.Scattering) {
      throw new InvalidInputException(
          where
              + " must be the first layer: a scattering network is a fixed feature extractor and"
              + " passes no gradient back");
    }
    if (layer instanceof LayerSpec.AppendInput && !allFixed(layers.subList(0, l))) {
      throw new InvalidInputException(
          where
              + " must follow fixed layers only (a scattering network first, groupnorms without"
              + " affine after it): it is computed once per example with them");
    }
    if (l > 0 && layer instanceof LayerSpec.Embedding) {
      throw new InvalidInputException(
          where + " must be the first layer: an embedding reads token ids");
    }
    if (!sequence && layer instanceof LayerSpec.CausalConv1D) {
      throw new InvalidInputException(
          where
              + " works on sequences: it belongs in a language model, whose first layer is"
              + " {type = embedding, dim = d}");
    }
    if (sequence
        && l > 0
        && !(layer instanceof LayerSpec.CausalConv1D || layer instanceof LayerSpec.Activate)) {
      throw new InvalidInputException(
          where
              + " cannot be used in a language model: only causal-conv1d and activations keep"
              + " position t from seeing the characters it predicts (causal-conv1d with kernel 1 is"
              + " a per-position dense layer)");
    }
  }

  /**
   * A language model over windows of {@code window} token ids below {@code vocabulary}; the first
   * layer must be an embedding. Its rows hold window + 1 ids (see the class comment).
   */
  public static ModelSpec languageModel(int window, int vocabulary, List<LayerSpec> layers) {
    Checks.positive("language model window", window);
    if (layers == null || !startsWithEmbedding(layers)) {
      throw new InvalidInputException(
          "a language model's first layer must be {type = embedding, dim = d}; provided layers: "
              + (layers == null ? "none" : layers.stream().map(LayerSpec::describe).toList()));
    }
    return new ModelSpec(Shape.flat(window + 1), layers, vocabulary);
  }

  /** True for a language model (see the class comment). */
  public boolean isSequence() {
    return startsWithEmbedding(layers);
  }

  /** A language model's window T (ids read and predicted per row); 0 for a classifier. */
  public int window() {
    return isSequence() ? input.size() - 1 : 0;
  }

  public static ModelSpec logisticRegression(int inputDim, int numClasses) {
    return new ModelSpec(Shape.flat(inputDim), List.of(), numClasses);
  }

  /** Dense hidden layers, each followed by the activation. */
  public static ModelSpec mlp(int inputDim, int[] hidden, Activation activation, int numClasses) {
    return mlp(inputDim, hidden, activation, false, numClasses);
  }

  /**
   * The same, first standardising each example's features with its own mean and standard deviation
   * when {@code inputNorm}: a group normalisation of one group without parameters, which uses no
   * statistics of other examples (so no privacy) and makes the model blind to an image's brightness
   * and contrast.
   */
  public static ModelSpec mlp(
      int inputDim, int[] hidden, Activation activation, boolean inputNorm, int numClasses) {
    List<LayerSpec> layers = new ArrayList<>();
    if (inputNorm) {
      layers.add(new LayerSpec.GroupNorm(1, false));
    }
    for (int h : hidden) {
      layers.add(new LayerSpec.Dense(h));
      layers.add(LayerSpec.Activate.of(activation == null ? Activation.TANH : activation));
    }
    return new ModelSpec(Shape.flat(inputDim), layers, numClasses);
  }

  /**
   * How many leading layers are fixed feature extractors: a {@link LayerSpec.Scattering} network
   * first, if any, and the parameter-free group normalisations and input appends after it (such as
   * the MLP's per-example input normalisation). No parameters, nothing learned, each a function of
   * one example only, so the trainer computes them once per example instead of once per step (and
   * the first trained layer then needs no input gradient).
   */
  public int fixedLayers() {
    return fixedPrefix(layers);
  }

  private static int fixedPrefix(List<LayerSpec> layers) {
    int k = !layers.isEmpty() && layers.get(0) instanceof LayerSpec.Scattering ? 1 : 0;
    while (k < layers.size()
        && (layers.get(k) instanceof LayerSpec.GroupNorm g && !g.affine()
            || k > 0 && layers.get(k) instanceof LayerSpec.AppendInput)) {
      k++;
    }
    return k;
  }

  /** The network after the fixed layers, on their output; its parameters are all of this one's. */
  public ModelSpec trainable() {
    int k = fixedLayers();
    return k == 0
        ? this
        : new ModelSpec(inputShapes().get(k), layers.subList(k, layers.size()), numClasses);
  }

  public int inputDim() {
    return input.size();
  }

  /**
   * The body followed by the output layer: dense for a classifier, per position (a kernel-1 causal
   * convolution) for a language model.
   */
  public List<LayerSpec> allLayers() {
    List<LayerSpec> all = new ArrayList<>(layers);
    all.add(
        isSequence()
            ? new LayerSpec.CausalConv1D(numClasses, 1, 1)
            : new LayerSpec.Dense(numClasses));
    return all;
  }

  /** The input shape of each layer of {@link #allLayers()}. */
  public List<Shape> inputShapes() {
    List<Shape> shapes = new ArrayList<>();
    Shape s = firstLayerInput(input, layers, numClasses);
    for (LayerSpec l : allLayers()) {
      shapes.add(s);
      s = l.outputShape(s, input);
    }
    return shapes;
  }

  public int numParams() {
    int n = 0;
    List<Shape> shapes = inputShapes();
    List<LayerSpec> all = allLayers();
    for (int l = 0; l < all.size(); l++) {
      n += all.get(l).numParams(shapes.get(l));
    }
    return n;
  }

  public String describe() {
    if (layers.isEmpty()) {
      return "logistic regression " + input.size() + "-" + numClasses;
    }
    StringBuilder sb =
        isSequence()
            ? new StringBuilder("language model, windows of ")
                .append(window())
                .append(" ids over ")
                .append(numClasses)
            : new StringBuilder("network ").append(input);
    for (LayerSpec l : allLayers()) {
      sb.append(" > ").append(l.describe());
    }
    return sb.toString();
  }

  /**
   * Each layer's data-independent initialisation (Glorot-uniform weights, zero biases, unit
   * GroupNorm scales). It does not look at the data, so a seeded generator costs no privacy.
   */
  public double[] initialParams(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] p = new double[numParams()];
    List<Shape> shapes = inputShapes();
    List<LayerSpec> all = allLayers();
    int off = 0;
    for (int l = 0; l < all.size(); l++) {
      all.get(l).initialise(shapes.get(l), p, off, rng);
      off += all.get(l).numParams(shapes.get(l));
    }
    return p;
  }

  @Override
  public String toString() {
    return describe();
  }
}
