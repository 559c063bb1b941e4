package org.sparkdpsgd.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-example matrix products of float batches, one OpenBLAS call per example on the arrays' own
 * memory. ND4J's batched matmul took several times longer than these calls for the small products
 * of a CNN's per-example gradients and Gram matrices.
 */
final class Batched {
  private Batched() {}

  /**
   * x itself when its buffer is exactly its row-major elements (BLAS reads the buffer), else a
   * row-major copy: a causal convolution's rows can arrive as a view.
   */
  private static INDArray denseFloat(INDArray x) {
    if (x.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("not a float array: " + x.dataType());
    }
    if (x.isView() || x.ordering() != 'c' || x.data().length() != x.length()) {
      return x.dup('c');
    }
    return x;
  }

  /**
   * [m, F, K]: example i's D_iᵀ U_i, with D rows [m·P × F] and U rows [m·P × K] (P rows per
   * example).
   */
  static INDArray transposedProducts(INDArray d, INDArray u, int m, int p) {
    d = denseFloat(d);
    u = denseFloat(u);
    int f = (int) d.size(1);
    int k = (int) u.size(1);
    INDArray out = Nd4j.createUninitialized(DataType.FLOAT, m, f, k);
    FloatPointer a = new FloatPointer(d.data().addressPointer());
    FloatPointer b = new FloatPointer(u.data().addressPointer());
    FloatPointer c = new FloatPointer(out.data().addressPointer());
    for (int i = 0; i < m; i++) {
      a.position((long) i * p * f);
      b.position((long) i * p * k);
      c.position((long) i * f * k);
      openblas.cblas_sgemm(
          openblas.CblasRowMajor,
          openblas.CblasTrans,
          openblas.CblasNoTrans,
          f,
          k,
          p,
          1f,
          a,
          f,
          b,
          k,
          0f,
          c,
          k);
    }
    return out;
  }

  /**
   * [m, P, P]: example i's Gram matrix X_i X_iᵀ of rows X [m·P × n], upper triangle only (the lower
   * one is left uninitialised).
   */
  static INDArray upperGrams(INDArray x, int m, int p) {
    x = denseFloat(x);
    int n = (int) x.size(1);
    INDArray out = Nd4j.createUninitialized(DataType.FLOAT, m, p, p);
    FloatPointer a = new FloatPointer(x.data().addressPointer());
    FloatPointer c = new FloatPointer(out.data().addressPointer());
    for (int i = 0; i < m; i++) {
      a.position((long) i * p * n);
      c.position((long) i * p * p);
      openblas.cblas_ssyrk(
          openblas.CblasRowMajor,
          openblas.CblasUpper,
          openblas.CblasNoTrans,
          p,
          n,
          1f,
          a,
          n,
          0f,
          c,
          p);
    }
    return out;
  }
}
