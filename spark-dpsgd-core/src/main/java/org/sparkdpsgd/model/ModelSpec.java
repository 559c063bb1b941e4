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
 */
public record ModelSpec(Shape input, List<LayerSpec> layers, int numClasses)
    implements Serializable {

  public ModelSpec {
    Checks.require(input != null, "the model's input shape is missing");
    Checks.require(
        numClasses >= 2, "number of classes must be >= 2; provided value: " + numClasses);
    layers = List.copyOf(layers == null ? List.of() : layers);
    Shape s = input;
    for (int l = 0; l < layers.size(); l++) {
      if (l > 0 && layers.get(l) instanceof LayerSpec.Scattering) {
        throw new InvalidInputException(
            "layer "
                + (l + 1)
                + " ("
                + layers.get(l).describe()
                + ") must be the"
                + " first layer: a scattering network is a fixed feature extractor and passes no gradient back");
      }
      try {
        s = layers.get(l).outputShape(s);
      } catch (InvalidInputException e) {
        throw new InvalidInputException(
            "layer "
                + (l + 1)
                + " ("
                + layers.get(l).describe()
                + ") on input "
                + s
                + ": "
                + e.getMessage());
      }
    }
  }

  public static ModelSpec logisticRegression(int inputDim, int numClasses) {
    return new ModelSpec(Shape.flat(inputDim), List.of(), numClasses);
  }

  /** Dense hidden layers, each followed by the activation. */
  public static ModelSpec mlp(int inputDim, int[] hidden, Activation activation, int numClasses) {
    List<LayerSpec> layers = new ArrayList<>();
    for (int h : hidden) {
      layers.add(new LayerSpec.Dense(h));
      layers.add(LayerSpec.Activate.of(activation == null ? Activation.TANH : activation));
    }
    return new ModelSpec(Shape.flat(inputDim), layers, numClasses);
  }

  /**
   * How many leading layers are fixed feature extractors ({@link LayerSpec.Scattering}): no
   * parameters, nothing learned, so the trainer computes them once per example instead of once per
   * step.
   */
  public int fixedLayers() {
    return !layers.isEmpty() && layers.get(0) instanceof LayerSpec.Scattering ? 1 : 0;
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

  /** The body followed by the dense output layer. */
  public List<LayerSpec> allLayers() {
    List<LayerSpec> all = new ArrayList<>(layers);
    all.add(new LayerSpec.Dense(numClasses));
    return all;
  }

  /** The input shape of each layer of {@link #allLayers()}. */
  public List<Shape> inputShapes() {
    List<Shape> shapes = new ArrayList<>();
    Shape s = input;
    for (LayerSpec l : allLayers()) {
      shapes.add(s);
      s = l.outputShape(s);
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
    StringBuilder sb = new StringBuilder("network ").append(input);
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
