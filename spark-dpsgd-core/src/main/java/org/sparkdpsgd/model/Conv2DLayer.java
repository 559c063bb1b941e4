package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D convolution as im2col + matrix product. With P output positions and K = C·k² values per
 * patch, example i's patches form U_i [P × K] and its output deltas D_i [P × F]; its weight
 * gradient is D_iᵀ U_i [F × K] and its bias gradient Σ_p D_i[p].
 *
 * <p>Per-example norms, whichever is cheaper for the layer's shape (decided once per layer):
 *
 * <ul>
 *   <li>MATERIALISED: one batched product gives every D_iᵀ U_i (cost m·P·F·K); the norms and the
 *       clipped sum Σ c_i G_i are then cheap reductions.
 *   <li>GHOST (Gram-matrix form): ‖D_iᵀ U_i‖² = ⟨U_i U_iᵀ, D_i D_iᵀ⟩ (cost m·P²·(K + F)), and the
 *       clipped sum is one product (diag(c) D)ᵀ U over all examples. Cheaper when there are few
 *       output positions and many filters and patch values (deep layers).
 * </ul>
 */
final class Conv2DLayer implements Layer {
  private final LayerSpec.Conv2D spec;
  private final Shape in;
  private final Shape out;
  private final int patch;
  private final int positions;

  /** Chosen from the shape: see the class comment. */
  final boolean ghost;

  private final INDArray weights;
  private final INDArray bias;
  private INDArray patches;
  private final Patches.Geometry geometry;

  /**
   * Reused Java arrays of {@link Patches} (image, patch rows or gradients, image gradient, padded
   * image of im2col, padded image gradient of col2im).
   */
  private final float[][] scratch = {
    new float[0], new float[0], new float[0], new float[0], new float[0]
  };

  /** Reused Java arrays of the float path's layout changes (product, result). */
  private float[] product = new float[0];

  private float[] result = new float[0];

  Conv2DLayer(LayerSpec.Conv2D spec, Shape in, Shape out, DataType dtype) {
    this(spec, in, out, dtype, ghostIsCheaper(in, out, spec));
  }

  Conv2DLayer(LayerSpec.Conv2D spec, Shape in, Shape out, DataType dtype, boolean ghost) {
    this.spec = spec;
    this.in = in;
    this.out = out;
    this.patch = in.channels() * spec.kernel() * spec.kernel();
    this.positions = out.height() * out.width();
    this.ghost = ghost;
    this.geometry =
        new Patches.Geometry(
            in.channels(),
            in.height(),
            in.width(),
            spec.kernel(),
            spec.stride(),
            spec.padding(),
            out.height(),
            out.width());
    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      weights = Nd4j.create(dtype, spec.filters(), patch);
      bias = Nd4j.create(dtype, spec.filters());
    }
  }

  static boolean ghostIsCheaper(Shape in, Shape out, LayerSpec.Conv2D spec) {
    long k = (long) in.channels() * spec.kernel() * spec.kernel();
    long p = (long) out.height() * out.width();
    return p * p * (k + spec.filters()) < p * spec.filters() * k;
  }

  @Override
  public INDArray[] params() {
    return new INDArray[] {weights, bias};
  }

  /**
   * Output [m, F, H', W']: in float a row-major copy (the layers after it then run on contiguous
   * arrays; on the permuted view ND4J's element-wise ops take a slow path), in double the permuted
   * view of the [m·P × F] product.
   */
  @Override
  public INDArray forward(INDArray x) {
    long m = x.size(0);
    if (x.dataType() == DataType.FLOAT) {
      patches = Patches.im2col(x, geometry, scratch);
      return floatOutput((int) m);
    }
    INDArray image = x.reshape('c', m, in.channels(), in.height(), in.width());
    // Patches laid out [m, H', W', C, k, k] so that they reshape to [m·P × K] without a copy.
    INDArray cols =
        Nd4j.createUninitialized(
            x.dataType(),
            m,
            out.height(),
            out.width(),
            in.channels(),
            spec.kernel(),
            spec.kernel());
    Convolution.im2col(
        image,
        spec.kernel(),
        spec.kernel(),
        spec.stride(),
        spec.stride(),
        spec.padding(),
        spec.padding(),
        false,
        cols.permute(0, 3, 4, 5, 1, 2));
    patches = cols.reshape('c', m * positions, patch);
    INDArray z = Sgemm.product(patches, weights, false, true).addiRowVector(bias);
    return z.reshape('c', m, out.height(), out.width(), spec.filters()).permute(0, 3, 1, 2);
  }

  /**
   * The float output [m, F, H', W']: U Wᵀ [m·P × F] by gemm into a fresh array, transposed per
   * example into NCHW order in Java with the bias added, in place of ND4J's broadcast add and
   * permuted copy (which took about 4 ms of the two convolutions' forward passes per 512 rows; the
   * product W Uᵀ straight into filter-major order was slower than U Wᵀ plus this copy).
   */
  private INDArray floatOutput(int m) {
    int f = spec.filters();
    int mp = m * positions;
    INDArray zt = Nd4j.createUninitialized(DataType.FLOAT, mp, f);
    Sgemm.into(patches, weights, zt, false, true, 1f, 0f);
    product = Arrays2.floats(zt, product);
    float[] b = Arrays2.floats(bias);
    if (result.length < f * mp) {
      result = new float[f * mp];
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < f; j++) {
        int from = i * positions * f + j;
        int to = (i * f + j) * positions;
        float bj = b[j];
        for (int p = 0; p < positions; p++) {
          result[to + p] = product[from + p * f] + bj;
        }
      }
    }
    INDArray r = Nd4j.createUninitialized(DataType.FLOAT, m, f, out.height(), out.width());
    Arrays2.copyFrom(result, 0, r);
    return r;
  }

  /** Output deltas [m, F, H', W'] (float) as rows [m·P × F], transposed per example in Java. */
  private INDArray floatDeltaRows(INDArray dOut, int m) {
    int f = spec.filters();
    int mp = m * positions;
    result = Arrays2.floats(dOut, result);
    if (product.length < f * mp) {
      product = new float[f * mp];
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < f; j++) {
        int from = (i * f + j) * positions;
        int to = i * positions * f + j;
        for (int p = 0; p < positions; p++) {
          product[to + p * f] = result[from + p];
        }
      }
    }
    INDArray d = Nd4j.createUninitialized(DataType.FLOAT, mp, f);
    Arrays2.copyFrom(product, 0, d);
    return d;
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    long m = dOut.size(0);
    INDArray d4 = dOut.reshape('c', m, spec.filters(), out.height(), out.width());
    boolean narrow = dOut.dataType() == DataType.FLOAT;
    INDArray d =
        narrow
            ? floatDeltaRows(d4, (int) m)
            : d4.permute(0, 2, 3, 1).dup('c').reshape('c', m * positions, spec.filters());
    grads.add(ghost ? new GramForm(patches, d, m, positions) : materialise(d, m));
    if (!needInputGradient) {
      return null;
    }
    if (narrow) {
      // gemm into a fresh output: INDArray.mmul took 7.5 ms for this product, gemm 3.8 ms (per 512
      // rows, the tutorial CNN's second convolution, one noisy run).
      INDArray dPatches = Nd4j.createUninitialized(DataType.FLOAT, m * positions, patch);
      Sgemm.into(d, weights, dPatches, false, false, 1f, 0f);
      return Patches.col2im(dPatches, (int) m, geometry, scratch);
    }
    INDArray dPatches =
        d.mmul(weights)
            .reshape('c', m, out.height(), out.width(), in.channels(), spec.kernel(), spec.kernel())
            .permute(0, 3, 4, 5, 1, 2);
    return Convolution.col2im(
        dPatches,
        spec.stride(),
        spec.stride(),
        spec.padding(),
        spec.padding(),
        in.height(),
        in.width());
  }

  private ParamGradients materialise(INDArray d, long m) {
    INDArray d3 = d.reshape('c', m, positions, spec.filters());
    INDArray u3 = patches.reshape('c', m, positions, patch);
    INDArray perExample =
        d.dataType() == DataType.FLOAT
            ? Batched.transposedProducts(d, patches, (int) m, positions)
            : Nd4j.matmul(d3, u3, true, false, false); // [m, F, K]
    INDArray perExampleBias = d3.sum(1); // [m, F]
    return new Materialised(
        perExample.reshape('c', m, (long) spec.filters() * patch), perExampleBias);
  }

  /**
   * Materialised per-example gradients: rows of G [m × F·K] and B [m × F] (also the causal
   * convolution's).
   */
  record Materialised(INDArray g, INDArray b) implements ParamGradients {
    @Override
    public void addSquaredNorms(double[] out) {
      double[] w = Arrays2.rowSquaredNorms(g);
      double[] bb = Arrays2.rowSquaredNorms(b);
      for (int i = 0; i < out.length; i++) {
        out[i] += w[i] + bb[i];
      }
    }

    /** The norm of the materialised gradients themselves (see Arrays2.addMaterialisedBounds). */
    @Override
    public void addSquaredNormBounds(double[] out) {
      Arrays2.addMaterialisedBounds(out, g, b);
    }

    @Override
    public void addWeightedSum(INDArray c, INDArray[] sums) {
      INDArray cRow = c == null ? Nd4j.ones(g.dataType(), 1, g.size(0)) : c.reshape(1, c.length());
      sums[0].addi(cRow.mmul(g).reshape(sums[0].shape()));
      sums[1].addi(cRow.mmul(b).reshape(sums[1].shape()));
    }

    @Override
    public void zeroExample(int i) {
      g.getRow(i).assign(0.0);
      b.getRow(i).assign(0.0);
    }
  }

  /**
   * Gram-matrix (ghost) form: keeps patches U [m·P × K] and deltas D [m·P × F] (also the causal
   * convolution's, with the T positions of a window as P).
   */
  record GramForm(INDArray u, INDArray d, long m, int positions) implements ParamGradients {
    @Override
    public void addSquaredNorms(double[] out) {
      addGramEstimates(out);
      double[] bb = Arrays2.rowSquaredNorms(d.reshape('c', m, positions, d.size(1)).sum(1));
      for (int i = 0; i < out.length; i++) {
        out[i] += bb[i];
      }
    }

    /** Adds the Gram estimate ⟨U_i U_iᵀ, D_i D_iᵀ⟩ of each weight gradient's squared norm. */
    private void addGramEstimates(double[] out) {
      if (u.dataType() == DataType.FLOAT) {
        addUpperGramEstimates(out, upperGrams(u), upperGrams(d));
        return;
      }
      INDArray u3 = u.reshape('c', m, positions, u.size(1));
      INDArray d3 = d.reshape('c', m, positions, d.size(1));
      INDArray gu = Nd4j.matmul(u3, u3, false, true, false); // [m, P, P]
      INDArray gd = Nd4j.matmul(d3, d3, false, true, false);
      double[] w =
          rowDots(
              gu.reshape('c', m, (long) positions * positions),
              gd.reshape('c', m, (long) positions * positions));
      for (int i = 0; i < out.length; i++) {
        out[i] += w[i];
      }
    }

    /**
     * Float Gram matrices [m, P, P] of rows x, upper triangles only, by one syrk per example (half
     * the products of ND4J's batched matmul, which was also slower per product).
     */
    private float[] upperGrams(INDArray x) {
      return Arrays2.floats(Batched.upperGrams(x, (int) m, positions));
    }

    /**
     * Adds Σ_pq gu·gd from upper triangles: Σ_p (diagonal) + 2 Σ_p<q, each product of floats exact
     * in double, so the bound's γ for the double sum of P² terms still holds.
     */
    private void addUpperGramEstimates(double[] out, float[] gu, float[] gd) {
      for (int i = 0; i < out.length; i++) {
        double diagonal = 0;
        double offDiagonal = 0;
        for (int p = 0; p < positions; p++) {
          int row = (i * positions + p) * positions;
          diagonal += (double) gu[row + p] * gd[row + p];
          for (int q = row + p + 1; q < row + positions; q++) {
            offDiagonal += (double) gu[q] * gd[q];
          }
        }
        out[i] += diagonal + 2 * offDiagonal;
      }
    }

    /**
     * Upper bounds of the squared row norms from the Gram diagonals g_pp = fl(‖x_p‖²): by step 1
     * below, ‖x_p‖² ≤ (g_pp + τ_n) / (1 − γ_n). Null if a diagonal is not finite (then the norms
     * are summed in double from the rows).
     */
    private double[] squaredNormsFromDiagonals(float[] gram, int n) {
      double gamma = Rounding.gamma(n, DataType.FLOAT);
      double tau = Rounding.tiny(n, DataType.FLOAT);
      if (!(gamma < 1)) {
        return null;
      }
      double[] sq = new double[(int) m * positions];
      for (int row = 0; row < sq.length; row++) {
        float diagonal = gram[row * positions + row % positions];
        if (!Float.isFinite(diagonal)) {
          return null;
        }
        sq[row] = (Math.max(diagonal, 0) + tau) / (1 - gamma);
      }
      return sq;
    }

    /**
     * The Gram estimate w = Σ_pq fl(u_p·u_q) fl(d_p·d_q) can be far from ‖G‖² = ‖Σ_p d_p u_pᵀ‖²
     * when positions cancel: its rounding error scales with S² = (Σ_p ‖u_p‖‖d_p‖)², not with ‖G‖².
     * Derivation of the bound (u, γ_n, tiny as in {@link Rounding}; P positions, K patch values, F
     * filters; Su = Σ_p ‖u_p‖, Sd = Σ_p ‖d_p‖):
     *
     * <ol>
     *   <li>Each Gram entry is an inner product of length K (resp. F): |fl(u_p·u_q) − u_p·u_q| ≤
     *       γ_K ‖u_p‖‖u_q‖ + τ_K (Cauchy–Schwarz on Σ_k |u_pk u_qk|), τ_n = tiny(n).
     *   <li>Summing |Gu'·Gd' − Gu·Gd| ≤ |eu||Gd| + |Gu'||ed| over p, q, and the double-precision
     *       sum of the P² products (γ^d_{P²+1} of Σ |Gu'||Gd'|): |w − ‖G‖²| ≤ E = g·S² + 2 (τ_K Sd²
     *       + τ_F Su² + P² τ_K τ_F), g = γ_K + γ_F + γ_K γ_F + γ^d_{P²+1} (1 + γ_K)(1 + γ_F) (the
     *       factor 2 covers the (1 + γ) factors of the τ terms while γ ≤ 1/2).
     *   <li>The sum path, for one example alone, forms fl(Σ_p fl(c d_pf) u_pk): within c γ_{P+1}
     *       Σ_p |d_pf||u_pk| of c G_fk, whose Frobenius norm is at most c γ_{P+1} S; the bias
     *       fl(Σ_p fl(c d_pf)) is within c γ_{P+1} Sd of c b.
     * </ol>
     *
     * Hence ‖contribution‖² ≤ c² [(√(max(w, 0) + E) + γ_{P+1} S)² + (‖b‖ + γ_{P+1} Sd)²] with b =
     * Σ_p d_p formed in double. Under heavy cancellation the bound is far above the true norm and
     * the example is clipped harder than it needs to be (its privacy is safe, some signal is lost);
     * for ordinary inputs E is a small fraction of w. In float, ‖u_p‖ and ‖d_p‖ (in S, Su, Sd) are
     * taken from upper bounds of their squares by the Gram diagonals (step 1 with p = q), which
     * only enlarges the bound.
     */
    @Override
    public void addSquaredNormBounds(double[] out) {
      double[] w = new double[out.length];
      DataType t = u.dataType();
      int k = (int) u.size(1);
      int f = (int) d.size(1);
      double[] uSq = null;
      double[] dSq = null;
      if (t == DataType.FLOAT) {
        // The squared row norms from the Gram diagonals: summing 3.3M squares of the tutorial
        // CNN's patches in double took longer than the Gram matrices.
        float[] gu = upperGrams(u);
        float[] gd = upperGrams(d);
        addUpperGramEstimates(w, gu, gd);
        uSq = squaredNormsFromDiagonals(gu, k);
        dSq = squaredNormsFromDiagonals(gd, f);
      } else {
        addGramEstimates(w);
      }
      if (uSq == null || dSq == null) {
        uSq = Arrays2.rowSquaredNorms(u);
        dSq = Arrays2.rowSquaredNorms(d);
      }
      double gK = Rounding.gamma(k, t);
      double gF = Rounding.gamma(f, t);
      double g =
          gK
              + gF
              + gK * gF
              + Rounding.gamma((long) positions * positions + 1, DataType.DOUBLE)
                  * (1 + gK)
                  * (1 + gF);
      double tauK = Rounding.tiny(k, t);
      double tauF = Rounding.tiny(f, t);
      double gSum = Rounding.gamma(positions + 1L, t);
      double[] dFlat = Arrays2.flat(d);
      for (int i = 0; i < out.length; i++) {
        double s = 0;
        double su = 0;
        double sd = 0;
        double[] bias = new double[f];
        for (int p = 0; p < positions; p++) {
          int row = i * positions + p;
          double un = Math.sqrt(uSq[row]);
          double dn = Math.sqrt(dSq[row]);
          s += un * dn;
          su += un;
          sd += dn;
          for (int j = 0; j < f; j++) {
            bias[j] += dFlat[row * f + j];
          }
        }
        double e =
            g * s * s
                + 2
                    * (tauK * sd * sd
                        + tauF * su * su
                        + (double) positions * positions * tauK * tauF);
        double weight = Math.sqrt(Math.max(w[i], 0) + e) + gSum * s;
        double biasNorm = 0;
        for (double v : bias) {
          biasNorm += v * v;
        }
        double biasBound = Math.sqrt(biasNorm) + gSum * sd;
        out[i] += weight * weight + biasBound * biasBound;
      }
    }

    @Override
    public void addWeightedSum(INDArray c, INDArray[] sums) {
      INDArray scaled = d;
      if (c != null) {
        INDArray perRow = c.reshape(m, 1).repeat(1, positions).reshape('c', m * positions, 1);
        scaled = d.mulColumnVector(perRow);
      }
      Sgemm.into(scaled, u, sums[0], true, false, 1f, 1f);
      sums[1].addi(scaled.sum(0));
    }

    @Override
    public void zeroExample(int i) {
      for (int p = 0; p < positions; p++) {
        u.getRow((long) i * positions + p).assign(0.0);
        d.getRow((long) i * positions + p).assign(0.0);
      }
    }

    /** Σ_k a[i, k] b[i, k] per row, in double. */
    private static double[] rowDots(INDArray a, INDArray b) {
      double[] x = Arrays2.flat(a);
      double[] y = Arrays2.flat(b);
      int m = (int) a.size(0);
      int n = (int) a.size(1);
      double[] out = new double[m];
      for (int i = 0; i < m; i++) {
        double s = 0;
        for (int k = i * n; k < (i + 1) * n; k++) {
          s += x[k] * y[k];
        }
        out[i] = s;
      }
      return out;
    }
  }
}
