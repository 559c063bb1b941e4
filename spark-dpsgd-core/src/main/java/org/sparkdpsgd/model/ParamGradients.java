package org.sparkdpsgd.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One parametric layer's per-example gradients for a batch, in whatever form is cheapest for the
 * layer (ghost-norm factors or materialised per-example gradients).
 *
 * <p>The clipping bound rests on {@link #addSquaredNormBounds}: whatever the inputs, for every
 * example i and clip factor c ∈ [0, 1] (given in the layer's precision), the contribution that
 * {@link #addWeightedSum} adds for example i alone has L2 norm at most c·√bound_i, counting every
 * rounding error of the norm computation and of the sum itself, so that clipping with the bound
 * keeps the contribution within C. An estimate of the norm is not enough: a form whose estimate can
 * fall below the true norm (the Gram form under cancellation) would let an example through
 * unclipped. Rounding of c itself and of double-precision arithmetic on the bounds is covered by
 * the margin in {@link org.sparkdpsgd.clip.ClipFactors}.
 */
public interface ParamGradients {
  /** Adds each example's squared gradient norm over this layer's parameters (an estimate). */
  void addSquaredNorms(double[] out);

  /**
   * Adds to {@code out} an upper bound of each example's squared contribution norm over this
   * layer's parameters, as computed by {@link #addWeightedSum} with factor 1 (see the class
   * comment); non-finite when no bound is available (the example is then dropped).
   */
  void addSquaredNormBounds(double[] out);

  /**
   * Adds Σ_i c_i g_i to the layer's running sums (arrays shaped like its parameters); {@code c} is
   * an [m × 1] column of clip factors, or null for the plain sum.
   */
  void addWeightedSum(INDArray c, INDArray[] sums);

  /** Sets example i's stored gradient data to zero (it is dropped from the sum). */
  void zeroExample(int i);
}
