package org.sparkdpsgd.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reading ND4J arrays into Java arrays (row-major), and per-row sums of squares in double. */
final class Arrays2 {
  private Arrays2() {}

  /**
   * Σ_k x[i, k]² per row i of x seen as [rows × rest], accumulated in double: with adversarial
   * inputs a float square overflows to infinity and the clip factor would turn into NaN.
   */
  static double[] rowSquaredNorms(INDArray x) {
    int m = (int) x.size(0);
    int n = (int) (x.length() / Math.max(1, m));
    double[] sq = new double[m];
    if (x.dataType() == DataType.FLOAT) {
      float[] f = floats(x);
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
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int k = i * n, end = k + n; k < end; k++) {
        s += flat[k] * flat[k];
      }
      sq[i] = s;
    }
    return sq;
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

  /**
   * The bound of materialised per-example gradients (rows of each array), added to {@code out}:
   * their squared norm, read in double, times (1 + u)², since for one example alone the weighted
   * sum adds fl(c·g) per entry (a product with a single example's row).
   */
  static void addMaterialisedBounds(double[] out, INDArray... perExample) {
    double grow = 1 + Rounding.unit(perExample[0].dataType());
    for (INDArray g : perExample) {
      double[] sq = rowSquaredNorms(g);
      for (int i = 0; i < out.length; i++) {
        out[i] += sq[i] * grow * grow;
      }
    }
  }
}
