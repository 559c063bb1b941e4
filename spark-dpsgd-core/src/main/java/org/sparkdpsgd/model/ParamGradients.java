package org.sparkdpsgd.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One parametric layer's per-example gradients for a batch, in whatever form is cheapest for
 * the layer (ghost-norm factors or materialised per-example gradients).
 */
public interface ParamGradients {
  /** Adds each example's squared gradient norm over this layer's parameters to {@code out}. */
  void addSquaredNorms(double[] out);

  /**
   * Adds Σ_i c_i g_i to the layer's running sums (arrays shaped like its parameters); {@code c}
   * is an [m × 1] column of clip factors, or null for the plain sum.
   */
  void addWeightedSum(INDArray c, INDArray[] sums);

  /** Sets example i's stored gradient data to zero (it is dropped from the sum). */
  void zeroExample(int i);
}
