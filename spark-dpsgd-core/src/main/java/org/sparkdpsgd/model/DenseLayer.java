package org.sparkdpsgd.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pure functions of a dense layer z = a W + b for a batch (one row per example).
 *
 * <p>Per-example gradient norms use the ghost-norm identity: example i's weight gradient is the
 * outer product a_iᵀ d_i, whose squared Frobenius norm is ‖a_i‖² ‖d_i‖², and its bias gradient is
 * d_i. So ‖g_i‖² = (‖a_i‖² + 1) ‖d_i‖² without materialising any per-example gradient; that is
 * always cheaper than materialising for a dense layer (O(m (in + out)) vs O(m in out)).
 */
public final class DenseLayer {
  private DenseLayer() {}

  public static INDArray forward(INDArray a, INDArray w, INDArray b) {
    return a.mmul(w).addiRowVector(b);
  }

  /** The delta of the layer's input pre-activation given this layer's delta: (d Wᵀ) ⊙ f'. */
  public static INDArray backward(INDArray d, INDArray w, INDArray activationDerivative) {
    return Nd4j.gemm(d, w, false, true).muli(activationDerivative);
  }

  /**
   * Adds each example's squared norm of the (W, b) gradient, (‖a_i‖² + 1) ‖d_i‖², to {@code
   * out}. Summed in double on purpose: with adversarial inputs (features near the float maximum)
   * a float square overflows to infinity and the clip factor would turn into NaN.
   */
  public static void addPerExampleSquaredNorms(INDArray a, INDArray d, double[] out) {
    double[] aSq = rowSquaredNorms(a);
    double[] dSq = rowSquaredNorms(d);
    for (int i = 0; i < out.length; i++) {
      out[i] += (aSq[i] + 1.0) * dSq[i];
    }
  }

  static double[] rowSquaredNorms(INDArray x) {
    int m = (int) x.rows();
    int n = (int) x.columns();
    if (x.dataType() == DataType.FLOAT) {
      float[] f = floats(x);
      double[] sq = new double[m];
      for (int i = 0; i < m; i++) {
        double s = 0;
        for (int k = i * n, end = k + n; k < end; k++) {
          s += (double) f[k] * f[k];
        }
        sq[i] = s;
      }
      return sq;
    }
    double[] flat = flat(x);
    double[] sq = new double[m];
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int k = i * n, end = k + n; k < end; k++) {
        s += flat[k] * flat[k];
      }
      sq[i] = s;
    }
    return sq;
  }

  /**
   * Adds Σ_i c_i a_iᵀ d_i and Σ_i c_i d_i to the running sums as one matrix product
   * (Aᵀ diag(c) D, accumulated with β = 1). {@code c} null means all factors are 1.
   */
  public static void addWeightedGradientSum(
      INDArray a, INDArray d, INDArray c, INDArray weightSum, INDArray biasSum) {
    INDArray scaled = c == null ? d : d.mulColumnVector(c);
    Nd4j.gemm(a, scaled, weightSum, true, false, 1.0, 1.0);
    biasSum.addi(scaled.sum(0));
  }

  /** The elements of a float array in row-major order, without a copy when it is not a view. */
  static float[] floats(INDArray x) {
    if (!x.isView() && x.ordering() == 'c' && x.data().length() == x.length()) {
      return x.data().asFloat();
    }
    return x.dup('c').data().asFloat();
  }

  /** The elements of {@code x} in row-major order, as doubles. */
  static double[] flat(INDArray x) {
    return x.dup('c').reshape(x.length()).toDoubleVector();
  }
}
