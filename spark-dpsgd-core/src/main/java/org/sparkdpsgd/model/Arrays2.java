package org.sparkdpsgd.model;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reading ND4J arrays into Java arrays (row-major) and writing them, and per-row sums of squares in
 * double. Contiguous arrays are copied in bulk through their native pointer: ND4J's own {@code
 * DataBuffer.setData}/{@code asFloat} copy element by element and cost milliseconds per step.
 */
final class Arrays2 {
  private Arrays2() {}

  /** True if {@code x}'s elements are its buffer's, in row-major order, with nothing around. */
  private static boolean dense(INDArray x) {
    return !x.isView() && x.ordering() == 'c' && x.data().length() == x.length();
  }

  /** Writes src[off ..] into every element of {@code target} (float or double, row-major). */
  static void copyFrom(float[] src, int off, INDArray target) {
    int n = (int) target.length();
    if (!dense(target)) {
      throw new IllegalArgumentException("target array is a view or not row-major");
    }
    if (target.dataType() == DataType.FLOAT) {
      new FloatPointer(target.data().addressPointer()).put(src, off, n);
    } else {
      double[] wide = new double[n];
      for (int k = 0; k < n; k++) {
        wide[k] = src[off + k];
      }
      copyFrom(wide, 0, target);
    }
  }

  /** Writes src[off ..] into every element of a double {@code target} (row-major). */
  static void copyFrom(double[] src, int off, INDArray target) {
    if (!dense(target) || target.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException("target array is a view, not row-major or not double");
    }
    new DoublePointer(target.data().addressPointer()).put(src, off, (int) target.length());
  }

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
    return floats(x, new float[(int) x.length()]);
  }

  /**
   * The elements of a float array in row-major order, in {@code scratch} if it is long enough (else
   * in a new array, returned): only the first x.length() values are meaningful.
   */
  static float[] floats(INDArray x, float[] scratch) {
    INDArray c = dense(x) ? x : x.dup('c');
    int n = (int) c.length();
    float[] out = scratch.length >= n ? scratch : new float[n];
    new FloatPointer(c.data().addressPointer()).get(out, 0, n);
    return out;
  }

  /** The elements of {@code x} (float or double) in row-major order, as doubles. */
  static double[] flat(INDArray x) {
    if (x.dataType() == DataType.FLOAT) {
      float[] f = floats(x);
      double[] out = new double[f.length];
      for (int k = 0; k < f.length; k++) {
        out[k] = f[k];
      }
      return out;
    }
    if (x.dataType() != DataType.DOUBLE) {
      return x.dup('c').reshape(x.length()).toDoubleVector();
    }
    INDArray c = dense(x) ? x : x.dup('c');
    double[] out = new double[(int) c.length()];
    new DoublePointer(c.data().addressPointer()).get(out);
    return out;
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
