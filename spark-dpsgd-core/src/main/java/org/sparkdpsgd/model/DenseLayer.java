package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dense layer z = a W + b for a batch (one row per example; other input layouts are flattened).
 *
 * <p>Per-example norms: GHOST form. Example i's weight gradient is the outer product a_iᵀ d_i,
 * whose squared Frobenius norm is ‖a_i‖² ‖d_i‖², and its bias gradient is d_i, so ‖g_i‖² = (‖a_i‖²
 * + 1) ‖d_i‖² without materialising any per-example gradient. That is always cheaper than
 * materialising for a dense layer (O(m (in + out)) vs O(m in out)). The clipped sum is one matrix
 * product Aᵀ diag(c) D.
 */
final class DenseLayer implements Layer {
  private final int inputSize;
  private final INDArray weights;

  /**
   * The weights again in column-major order, for OpenBLAS: it multiplies a row-major batch by them
   * about a third faster than by the row-major original (measured on this project's machine).
   * oneDNN is as fast on the original, so with it ({@link Sgemm#usesOneDnn}) this is the original
   * and no copy is made per step.
   */
  private final INDArray weightsColumnMajor;

  private final INDArray bias;
  private INDArray input;

  DenseLayer(Shape in, int units, DataType dtype) {
    this.inputSize = in.size();
    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      weights = Nd4j.create(dtype, inputSize, units);
      weightsColumnMajor =
          Sgemm.usesOneDnn() && dtype == DataType.FLOAT
              ? weights
              : Nd4j.create(dtype, new long[] {inputSize, units}, 'f');
      bias = Nd4j.create(dtype, units);
    }
  }

  @Override
  public INDArray[] params() {
    return new INDArray[] {weights, bias};
  }

  @Override
  public void paramsLoaded() {
    if (weightsColumnMajor != weights) {
      Arrays2.copyColumnMajor(weights, weightsColumnMajor);
    }
  }

  @Override
  public INDArray forward(INDArray x) {
    input = x.rank() == 2 ? x : x.reshape('c', x.size(0), inputSize);
    // gemm into a fresh output: INDArray.mmul took 3.75 ms around the same 2.5 ms product.
    INDArray z = Nd4j.createUninitialized(weights.dataType(), input.size(0), weights.size(1));
    Sgemm.into(input, weightsColumnMajor, z, false, false, 1f, 0f);
    return z.addiRowVector(bias);
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    INDArray d = dOut.rank() == 2 ? dOut : dOut.reshape('c', dOut.size(0), weights.size(1));
    grads.add(new Ghost(input, d));
    return needInputGradient ? Sgemm.product(d, weights, false, true) : null;
  }

  /** Ghost-norm form: keeps the layer input A and output delta D. */
  private record Ghost(INDArray a, INDArray d) implements ParamGradients {
    /** Summed in double: a float square of an adversarial feature would overflow. */
    @Override
    public void addSquaredNorms(double[] out) {
      double[] aSq = Arrays2.rowSquaredNorms(a);
      double[] dSq = Arrays2.rowSquaredNorms(d);
      for (int i = 0; i < out.length; i++) {
        out[i] += (aSq[i] + 1.0) * dSq[i];
      }
    }

    /**
     * For one example alone, a weight entry of the sum is fl(a_j · fl(c d_k)), within (1 + u)² ≤ 1
     * + γ₂ of c a_j d_k, and a bias entry fl(c d_k) is within 1 + u: the ghost norm times (1 + γ₂)
     * bounds the contribution. The norm itself is formed in double from the stored values (float
     * products are exact in double), so its own error is far inside ClipFactors' margin.
     */
    @Override
    public void addSquaredNormBounds(double[] out) {
      double[] sq = new double[out.length];
      addSquaredNorms(sq);
      double grow = 1 + Rounding.gamma(2, a.dataType());
      for (int i = 0; i < out.length; i++) {
        out[i] += sq[i] * grow * grow;
      }
    }

    /**
     * Σ_i c_i a_iᵀ d_i and Σ_i c_i d_i as Aᵀ diag(c) D and 1ᵀ diag(c) D, accumulated with β = 1
     * (the bias sum as a product too: replacing ND4J's column sum took the MLP's weighted sum from
     * 3.5 to 3.0 ms per 512 rows).
     */
    @Override
    public void addWeightedSum(INDArray c, INDArray[] sums) {
      // Scaled in place: d is not read again.
      INDArray scaled = c == null || Arrays2.scaleRowsInPlace(d, c) ? d : d.muliColumnVector(c);
      Sgemm.into(a, scaled, sums[0], true, false, 1f, 1f);
      INDArray ones = Nd4j.ones(scaled.dataType(), 1, scaled.size(0));
      Sgemm.into(ones, scaled, sums[1].reshape(1, sums[1].length()), false, false, 1f, 1f);
    }

    @Override
    public void zeroExample(int i) {
      a.getRow(i).assign(0.0);
      d.getRow(i).assign(0.0);
    }
  }
}
