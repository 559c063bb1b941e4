package org.sparkdpsgd.model;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Constants of floating-point rounding for the bounds that keep clipping safe (Higham, "Accuracy
 * and Stability of Numerical Algorithms", §3.1): a computed inner product of length n satisfies
 * |fl(xᵀy) − xᵀy| ≤ γ_n Σ_k |x_k y_k| + n·tiny, in any summation order and with or without fused
 * multiply-adds, where γ_n = n·u / (1 − n·u), u is the unit roundoff and tiny bounds the error of a
 * product that underflows.
 */
final class Rounding {
  private Rounding() {}

  /** Unit roundoff: 2⁻²⁴ for float, 2⁻⁵³ for double. */
  static double unit(DataType dtype) {
    return dtype == DataType.FLOAT ? 0x1p-24 : 0x1p-53;
  }

  /** γ_n of the given precision; infinite when n·u ≥ 1/2 (no useful bound: nothing is kept). */
  static double gamma(long n, DataType dtype) {
    double nu = n * unit(dtype);
    return nu >= 0.5 ? Double.POSITIVE_INFINITY : nu / (1 - nu);
  }

  /** Bound on the absolute error of n products that underflow (n smallest subnormals). */
  static double tiny(long n, DataType dtype) {
    return n * (dtype == DataType.FLOAT ? (double) Float.MIN_VALUE : Double.MIN_VALUE);
  }
}
