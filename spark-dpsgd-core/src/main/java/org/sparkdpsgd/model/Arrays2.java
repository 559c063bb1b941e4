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

  /**
   * Writes src[off ..] into every element of {@code target}, rounded to float for a float target
   * (row-major).
   */
  static void write(double[] src, int off, INDArray target) {
    if (target.dataType() != DataType.FLOAT) {
      copyFrom(src, off, target);
      return;
    }
    float[] narrow = new float[(int) target.length()];
    for (int k = 0; k < narrow.length; k++) {
      narrow[k] = (float) src[off + k];
    }
    copyFrom(narrow, 0, target);
  }

  /**
   * Copies a row-major [rows × cols] matrix into a column-major one of the same shape. For float,
   * the transpose runs in Java on a scratch copy: ND4J's strided {@code assign} took 2.0 ms for the
   * MLP's 784 × 256 weights, every step on every task.
   */
  static void copyColumnMajor(INDArray rowMajor, INDArray columnMajor) {
    if (rowMajor.dataType() != DataType.FLOAT
        || !dense(rowMajor)
        || columnMajor.ordering() != 'f'
        || columnMajor.isView()
        || rowMajor.rank() != 2) {
      columnMajor.assign(rowMajor);
      return;
    }
    int rows = (int) rowMajor.size(0);
    int cols = (int) rowMajor.size(1);
    float[] src = scratchFloats(rowMajor);
    float[] dst = TRANSPOSED.get();
    if (dst.length < rows * cols) {
      dst = new float[rows * cols];
      TRANSPOSED.set(dst);
    }
    // Blocks of 64 x 64 keep both the rows read and the columns written in cache.
    for (int i0 = 0; i0 < rows; i0 += 64) {
      int i1 = Math.min(rows, i0 + 64);
      for (int j0 = 0; j0 < cols; j0 += 64) {
        int j1 = Math.min(cols, j0 + 64);
        for (int i = i0; i < i1; i++) {
          int from = i * cols;
          for (int j = j0; j < j1; j++) {
            dst[j * rows + i] = src[from + j];
          }
        }
      }
    }
    new FloatPointer(columnMajor.data().addressPointer()).put(dst, 0, rows * cols);
  }

  private static final ThreadLocal<float[]> TRANSPOSED =
      ThreadLocal.withInitial(() -> new float[0]);

  /** Writes src[off ..] into every element of a double {@code target} (row-major). */
  static void copyFrom(double[] src, int off, INDArray target) {
    if (!dense(target) || target.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException("target array is a view, not row-major or not double");
    }
    new DoublePointer(target.data().addressPointer()).put(src, off, (int) target.length());
  }

  /** Per-thread scratch for reading float arrays (a network belongs to one thread). */
  private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

  /**
   * Σ_k x[i, k]² per row i of x seen as [rows × rest], accumulated in double: with adversarial
   * inputs a float square overflows to infinity and the clip factor would turn into NaN.
   */
  static double[] rowSquaredNorms(INDArray x) {
    int m = (int) x.size(0);
    int n = (int) (x.length() / Math.max(1, m));
    double[] sq = new double[m];
    if (x.dataType() == DataType.FLOAT) {
      float[] f = scratchFloats(x);
      for (int i = 0; i < m; i++) {
        sq[i] = sumOfSquares(f, i * n, n);
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

  /**
   * x's elements read into this thread's scratch array (valid until the next call on the thread);
   * the scratch is kept only up to 16 MiB, so a large materialised gradient does not stay behind.
   */
  private static float[] scratchFloats(INDArray x) {
    float[] f = floats(x, SCRATCH.get());
    if (f.length <= (1 << 22)) {
      SCRATCH.set(f);
    }
    return f;
  }

  /** Adds x's elements (float or double, row-major) to out[off ..]. */
  static void addTo(INDArray x, double[] out, int off) {
    if (x.dataType() != DataType.FLOAT) {
      double[] v = flat(x);
      for (int k = 0; k < v.length; k++) {
        out[off + k] += v[k];
      }
      return;
    }
    float[] f = scratchFloats(x);
    for (int k = 0, n = (int) x.length(); k < n; k++) {
      out[off + k] += f[k];
    }
  }

  /**
   * target[k] += add[k] for every element of a dense row-major {@code target}, each new value
   * rounded once into the target's type (the sum is formed in double).
   */
  static void addRounded(double[] add, INDArray target) {
    int n = (int) target.length();
    if (target.dataType() == DataType.FLOAT) {
      float[] f = floats(target);
      for (int k = 0; k < n; k++) {
        f[k] = (float) (f[k] + add[k]);
      }
      copyFrom(f, 0, target);
      return;
    }
    double[] d = flat(target);
    for (int k = 0; k < n; k++) {
      d[k] += add[k];
    }
    copyFrom(d, 0, target);
  }

  /**
   * Σ f[k]² over f[from .. from + n) in double. Each square of a float is exact in double; four
   * running sums instead of one let the additions overlap (one chain waits for every add), and
   * their error bound is no larger than one sum's. With the scratch array, the MLP's norm bounds
   * went from 2.0 to 0.56 ms per 512 rows.
   */
  static double sumOfSquares(float[] f, int from, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int k = from;
    for (int end = from + (n & ~3); k < end; k += 4) {
      double v0 = f[k];
      double v1 = f[k + 1];
      double v2 = f[k + 2];
      double v3 = f[k + 3];
      s0 += v0 * v0;
      s1 += v1 * v1;
      s2 += v2 * v2;
      s3 += v3 * v3;
    }
    for (int end = from + n; k < end; k++) {
      double v = f[k];
      s0 += v * v;
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * x[i, :] *= c[i], in place, for a dense row-major float matrix x of m rows and a float c of m
   * values: each product one float multiplication, as ND4J's broadcast computes it, in a Java loop
   * over a scratch copy (ND4J's mulColumnVector took 0.25 ms for the MLP's 512 × 256 deltas).
   * Returns false, doing nothing, for any other array (the caller uses ND4J then).
   */
  static boolean scaleRowsInPlace(INDArray x, INDArray c) {
    if (x.dataType() != DataType.FLOAT || c.dataType() != DataType.FLOAT || !dense(x)) {
      return false;
    }
    int m = (int) x.size(0);
    int n = (int) (x.length() / Math.max(1, m));
    float[] factors = floats(c);
    float[] f = scratchFloats(x);
    for (int i = 0; i < m; i++) {
      float ci = factors[i];
      for (int k = i * n, end = k + n; k < end; k++) {
        f[k] *= ci;
      }
    }
    copyFrom(f, 0, x);
    return true;
  }

  /** Copies a dense row-major float array's elements into out[off ..], in bulk. */
  static void copyTo(INDArray x, float[] out, int off) {
    if (x.dataType() != DataType.FLOAT || !dense(x)) {
      throw new IllegalArgumentException("not a dense row-major float array");
    }
    new FloatPointer(x.data().addressPointer()).get(out, off, (int) x.length());
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
    int n = (int) x.length();
    float[] out = scratch.length >= n ? scratch : new float[n];
    copyTo(dense(x) ? x : x.dup('c'), out, 0);
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
