package org.sparkdpsgd.model;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A {@link ModelSpec} with concrete parameters as ND4J arrays of one data type (FLOAT for
 * training, DOUBLE for exact tests). Computes per-example losses, gradient norms and clipped
 * gradient sums for a batch of sampled rows.
 */
public final class Network {
  private final ModelSpec spec;
  private final DataType dtype;
  private final INDArray[] weights;
  private final INDArray[] biases;

  public Network(ModelSpec spec, double[] params, DataType dtype) {
    this.spec = spec;
    this.dtype = dtype;
    int[] w = spec.widths();
    weights = new INDArray[spec.numLayers()];
    biases = new INDArray[spec.numLayers()];
    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      for (int l = 0; l < spec.numLayers(); l++) {
        weights[l] = Nd4j.create(dtype, w[l], w[l + 1]);
        biases[l] = Nd4j.create(dtype, w[l + 1]);
      }
    }
    load(params);
  }

  /**
   * Copies a flat parameter vector into this network's arrays (reusing them: a native allocation
   * costs more than the copy).
   */
  public Network load(double[] params) {
    if (params.length != spec.numParams()) {
      throw new IllegalArgumentException(
          "parameter vector has " + params.length + " values; " + spec + " needs " + spec.numParams());
    }
    for (int l = 0; l < weights.length; l++) {
      int off = spec.weightOffset(l);
      copyInto(params, off, weights[l]);
      copyInto(params, off + (int) weights[l].length(), biases[l]);
    }
    return this;
  }

  private void copyInto(double[] p, int off, INDArray target) {
    int n = (int) target.length();
    if (dtype == DataType.FLOAT) {
      float[] part = new float[n];
      for (int k = 0; k < n; k++) {
        part[k] = (float) p[off + k];
      }
      target.data().setData(part);
    } else {
      double[] part = new double[n];
      System.arraycopy(p, off, part, 0, n);
      target.data().setData(part);
    }
  }

  public ModelSpec spec() {
    return spec;
  }

  public DataType dtype() {
    return dtype;
  }

  /** Input rows as an [m × inputDim] array of this network's type. */
  public INDArray input(float[] rowMajor, int m) {
    return Nd4j.create(rowMajor, new long[] {m, spec.inputDim()}, 'c').castTo(dtype);
  }

  /** Logits for a batch (forward pass only). */
  public INDArray logits(INDArray x) {
    INDArray a = x;
    for (int l = 0; l < weights.length; l++) {
      INDArray z = DenseLayer.forward(a, weights[l], biases[l]);
      a = l == weights.length - 1 ? z : spec.activation().apply(z);
    }
    return a;
  }

  /** Class probabilities for a batch. */
  public INDArray probabilities(INDArray x) {
    return Transforms.exp(SoftmaxCrossEntropy.logSoftmax(logits(x)), false);
  }

  /** Forward and backward pass of a batch; keeps what per-example clipping needs. */
  public BatchGradients forwardBackward(INDArray x, int[] labels) {
    List<INDArray> inputs = new ArrayList<>();
    INDArray a = x;
    for (int l = 0; l < weights.length; l++) {
      inputs.add(a);
      INDArray z = DenseLayer.forward(a, weights[l], biases[l]);
      a = l == weights.length - 1 ? z : spec.activation().apply(z);
    }
    INDArray logProbs = SoftmaxCrossEntropy.logSoftmax(a);
    INDArray y = SoftmaxCrossEntropy.oneHot(labels, spec.numClasses(), logProbs);
    INDArray losses = SoftmaxCrossEntropy.losses(logProbs, y);
    INDArray[] deltas = new INDArray[weights.length];
    deltas[weights.length - 1] = SoftmaxCrossEntropy.gradLogits(logProbs, y);
    for (int l = weights.length - 1; l > 0; l--) {
      INDArray derivative = spec.activation().derivativeFromOutput(inputs.get(l));
      deltas[l - 1] = DenseLayer.backward(deltas[l], weights[l], derivative);
    }
    return new BatchGradients(spec, inputs.toArray(new INDArray[0]), deltas, losses);
  }
}
