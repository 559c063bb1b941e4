package org.sparkdpsgd.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.sparkdpsgd.util.Checks;

/**
 * The architecture of a fully connected classifier: input → hidden layers (with one activation)
 * → logits → softmax cross-entropy. No hidden layers is multinomial logistic regression.
 * Parameters live in one flat vector, per layer the weights W (in × out, row-major) then the
 * bias b (out).
 */
public record ModelSpec(int inputDim, int[] hidden, Activation activation, int numClasses)
    implements Serializable {

  public ModelSpec {
    Checks.positive("input dimension", inputDim);
    Checks.require(numClasses >= 2, "number of classes must be >= 2; provided value: " + numClasses);
    hidden = hidden == null ? new int[0] : hidden.clone();
    for (int h : hidden) {
      Checks.positive("hidden layer size", h);
    }
    if (activation == null) {
      activation = Activation.TANH;
    }
  }

  public static ModelSpec logisticRegression(int inputDim, int numClasses) {
    return new ModelSpec(inputDim, new int[0], Activation.TANH, numClasses);
  }

  public static ModelSpec mlp(int inputDim, int[] hidden, Activation activation, int numClasses) {
    return new ModelSpec(inputDim, hidden, activation, numClasses);
  }

  /** Layer widths including input and output: e.g. [784, 256, 10]. */
  public int[] widths() {
    int[] w = new int[hidden.length + 2];
    w[0] = inputDim;
    System.arraycopy(hidden, 0, w, 1, hidden.length);
    w[w.length - 1] = numClasses;
    return w;
  }

  public int numLayers() {
    return hidden.length + 1;
  }

  /** Offset of layer l's weights in the flat parameter vector; its bias follows the weights. */
  public int weightOffset(int layer) {
    int[] w = widths();
    int off = 0;
    for (int l = 0; l < layer; l++) {
      off += w[l] * w[l + 1] + w[l + 1];
    }
    return off;
  }

  public int numParams() {
    return weightOffset(numLayers());
  }

  public String describe() {
    int[] w = widths();
    StringBuilder sb = new StringBuilder(hidden.length == 0 ? "logistic regression " : "MLP ");
    for (int i = 0; i < w.length; i++) {
      sb.append(i == 0 ? "" : "-").append(w[i]);
    }
    if (hidden.length > 0) {
      sb.append(" (").append(activation.name().toLowerCase()).append(')');
    }
    return sb.toString();
  }

  /**
   * Glorot-uniform weights and zero biases. Initialisation does not look at the data, so a
   * seeded generator is fine here (it costs no privacy).
   */
  public double[] initialParams(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] p = new double[numParams()];
    int[] w = widths();
    for (int l = 0; l < numLayers(); l++) {
      int off = weightOffset(l);
      double limit = Math.sqrt(6.0 / (w[l] + w[l + 1]));
      for (int k = 0; k < w[l] * w[l + 1]; k++) {
        p[off + k] = (2 * rng.nextDouble() - 1) * limit;
      }
    }
    return p;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec s && s.inputDim == inputDim && Arrays.equals(s.hidden, hidden)
        && s.activation == activation && s.numClasses == numClasses;
  }

  @Override
  public int hashCode() {
    return inputDim * 31 + Arrays.hashCode(hidden) * 17 + activation.hashCode() + numClasses;
  }

  @Override
  public String toString() {
    return describe();
  }
}
