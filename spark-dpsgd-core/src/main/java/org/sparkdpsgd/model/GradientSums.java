package org.sparkdpsgd.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Running sums of (clipped) gradients per layer, kept as ND4J arrays so that each batch is added
 * by one matrix product with β = 1 (no temporary gradient, no per-batch copy to the JVM heap).
 * {@link #addTo} flattens them into the parameter layout of {@link ModelSpec} once per task.
 */
public final class GradientSums {
  private final ModelSpec spec;
  final INDArray[] weights;
  final INDArray[] biases;

  public GradientSums(ModelSpec spec, DataType dtype) {
    this.spec = spec;
    int[] w = spec.widths();
    weights = new INDArray[spec.numLayers()];
    biases = new INDArray[spec.numLayers()];
    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      for (int l = 0; l < spec.numLayers(); l++) {
        weights[l] = Nd4j.zeros(dtype, w[l], w[l + 1]);
        biases[l] = Nd4j.zeros(dtype, w[l + 1]);
      }
    }
  }

  public ModelSpec spec() {
    return spec;
  }

  public DataType dtype() {
    return weights[0].dataType();
  }

  /** Sets every sum to zero (for reuse). */
  public GradientSums zero() {
    for (int l = 0; l < weights.length; l++) {
      weights[l].assign(0.0);
      biases[l].assign(0.0);
    }
    return this;
  }

  /** Adds the sums into {@code out} (flat parameter layout). */
  public void addTo(double[] out) {
    for (int l = 0; l < weights.length; l++) {
      int off = spec.weightOffset(l);
      add(weights[l], out, off);
      add(biases[l], out, off + (int) weights[l].length());
    }
  }

  private static void add(INDArray x, double[] out, int offset) {
    double[] v = DenseLayer.flat(x);
    for (int k = 0; k < v.length; k++) {
      out[offset + k] += v[k];
    }
  }
}
