package org.sparkdpsgd.model;

import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * C = α op(A) op(B) + β C for the layers' large float products, by oneDNN's {@code dnnl_sgemm}
 * where the arrays' memory allows it, else by ND4J's gemm (OpenBLAS).
 *
 * <p>Why oneDNN: it chooses its kernels from the instructions the CPU reports (AVX-512 where there
 * is AVX-512) while ND4J's OpenBLAS 0.3.19 runs the kernel family that {@code OPENBLAS_CORETYPE}
 * names, which this project's machines set to HASWELL (AVX2) because that old OpenBLAS misjudges
 * newer CPUs. On an AVX-512 machine (AMD EPYC, 2026-12-07) one thread multiplied the MLP's [512 ×
 * 784] batch by its [784 × 256] weights at 200-218 GFLOP/s with oneDNN against 101-108 with
 * OpenBLAS. Both are plain float32 arithmetic (no reduced-precision modes), so every entry is a
 * float sum of float products and the rounding bounds the layers state hold for either.
 *
 * <p>{@code -Dsparkdpsgd.sgemm=openblas} (or the environment variable {@code SPARKDPSGD_SGEMM})
 * keeps every product on ND4J's gemm: to compare the two, and a way out should oneDNN ever be wrong
 * on some CPU.
 */
final class Sgemm {
  private static final Logger LOG = LoggerFactory.getLogger(Sgemm.class);
  private static final boolean ONEDNN = chooseOneDnn();

  private Sgemm() {}

  /** Whether products go to oneDNN (false: ND4J's gemm). */
  static boolean usesOneDnn() {
    return ONEDNN;
  }

  /** A new row-major [rows of op(a) × columns of op(b)] holding op(a) op(b). */
  static INDArray product(INDArray a, INDArray b, boolean transA, boolean transB) {
    long rows = transA ? a.size(1) : a.size(0);
    long cols = transB ? b.size(0) : b.size(1);
    INDArray c = Nd4j.createUninitialized(a.dataType(), rows, cols);
    into(a, b, c, transA, transB, 1f, 0f);
    return c;
  }

  /** c = alpha op(a) op(b) + beta c. */
  static void into(
      INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, float alpha, float beta) {
    Operand sa = ONEDNN ? Operand.of(a) : null;
    Operand sb = ONEDNN ? Operand.of(b) : null;
    Operand sc = ONEDNN ? Operand.of(c) : null;
    if (sa == null || sb == null || sc == null) {
      Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
      return;
    }
    long m = transA ? a.size(1) : a.size(0);
    long k = transA ? a.size(0) : a.size(1);
    long n = transB ? b.size(0) : b.size(1);
    if ((transB ? b.size(1) : b.size(0)) != k || c.size(0) != m || c.size(1) != n) {
      throw new IllegalArgumentException(
          "gemm shapes do not match: op(A) "
              + m
              + "x"
              + k
              + ", op(B) "
              + (transB ? b.size(1) : b.size(0))
              + "x"
              + n
              + ", C "
              + c.size(0)
              + "x"
              + c.size(1));
    }
    if (m == 0 || n == 0) {
      return;
    }
    // A column-major operand is its transpose stored row-major: flip its flag.
    boolean fa = transA != sa.columnMajor;
    boolean fb = transB != sb.columnMajor;
    int status;
    if (!sc.columnMajor) {
      status =
          dnnl.dnnl_sgemm(
              flag(fa), flag(fb), m, n, k, alpha, sa.data, sa.ld, sb.data, sb.ld, beta, sc.data,
              sc.ld);
    } else {
      // Cᵀ = op(B)ᵀ op(A)ᵀ, row-major.
      status =
          dnnl.dnnl_sgemm(
              flag(!fb), flag(!fa), n, m, k, alpha, sb.data, sb.ld, sa.data, sa.ld, beta, sc.data,
              sc.ld);
    }
    if (status != dnnl.dnnl_success) {
      throw new IllegalStateException("oneDNN sgemm failed with status " + status);
    }
  }

  /** Whether oneDNN reads x in place (else a product with x goes to ND4J's gemm). */
  static boolean readsInPlace(INDArray x) {
    return Operand.of(x) != null;
  }

  private static byte flag(boolean transposed) {
    return (byte) (transposed ? 'T' : 'N');
  }

  /**
   * A rank-2 float array as oneDNN reads it: its first element, whether it is stored column-major,
   * and the leading dimension. Null for anything else (another type, rank, or strides with gaps
   * inside a row or column), which goes to ND4J's gemm.
   */
  private record Operand(FloatPointer data, boolean columnMajor, long ld) {
    static Operand of(INDArray x) {
      if (x.dataType() != DataType.FLOAT || x.rank() != 2) {
        return null;
      }
      long rows = x.size(0);
      long cols = x.size(1);
      if (rows == 0 || cols == 0) {
        return null; // an empty array may have no buffer: ND4J's gemm handles it
      }
      long s0 = x.stride(0);
      long s1 = x.stride(1);
      // A view's buffer pointer already starts at its first element (its offset is in data()).
      FloatPointer p = new FloatPointer(x.data().addressPointer());
      if ((s1 == 1 || cols == 1) && (s0 >= Math.max(1, cols) || rows == 1)) {
        return new Operand(p, false, rows == 1 ? Math.max(1, cols) : s0);
      }
      if ((s0 == 1 || rows == 1) && (s1 >= Math.max(1, rows) || cols == 1)) {
        return new Operand(p, true, cols == 1 ? Math.max(1, rows) : s1);
      }
      return null;
    }
  }

  private static boolean chooseOneDnn() {
    String wanted = System.getProperty("sparkdpsgd.sgemm", System.getenv("SPARKDPSGD_SGEMM"));
    if ("openblas".equalsIgnoreCase(wanted)) {
      LOG.info("float products: ND4J gemm (OpenBLAS), as sparkdpsgd.sgemm asks");
      return false;
    }
    if (wanted != null && !wanted.isEmpty() && !"onednn".equalsIgnoreCase(wanted)) {
      // Read where the first product runs (maybe an executor, mid-run): no place to fail cleanly.
      LOG.warn(
          "sparkdpsgd.sgemm / SPARKDPSGD_SGEMM is '{}', not onednn or openblas: using onednn",
          wanted);
    }
    try {
      FloatPointer one = new FloatPointer(1f);
      FloatPointer out = new FloatPointer(0f);
      int status = dnnl.dnnl_sgemm((byte) 'N', (byte) 'N', 1, 1, 1, 1f, one, 1, one, 1, 0f, out, 1);
      if (status == dnnl.dnnl_success && out.get() == 1f) {
        return true;
      }
      LOG.warn("oneDNN sgemm answered status {}: float products use ND4J gemm", status);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      LOG.warn("oneDNN did not load ({}): float products use ND4J gemm", e.toString());
    }
    return false;
  }
}
