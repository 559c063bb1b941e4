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

  /** Output [m, F, H', W'] (a permuted view of the [m·P × F] product). */
  @Override
  public INDArray forward(INDArray x) {
    long m = x.size(0);
    INDArray image = x.reshape('c', m, in.channels(), in.height(), in.width());
    // Patches laid out [m, H', W', C, k, k] so that they reshape to [m·P × K] without a copy.
    INDArray cols = Nd4j.createUninitialized(
        x.dataType(), m, out.height(), out.width(), in.channels(), spec.kernel(), spec.kernel());
    Convolution.im2col(image, spec.kernel(), spec.kernel(), spec.stride(), spec.stride(),
        spec.padding(), spec.padding(), false, cols.permute(0, 3, 4, 5, 1, 2));
    patches = cols.reshape('c', m * positions, patch);
    INDArray z = Nd4j.gemm(patches, weights, false, true).addiRowVector(bias);
    return z.reshape('c', m, out.height(), out.width(), spec.filters()).permute(0, 3, 1, 2);
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    long m = dOut.size(0);
    INDArray d4 = dOut.reshape('c', m, spec.filters(), out.height(), out.width());
    INDArray d = d4.permute(0, 2, 3, 1).dup('c').reshape('c', m * positions, spec.filters());
    grads.add(ghost ? new GramForm(patches, d, m, positions) : materialise(d, m));
    if (!needInputGradient) {
      return null;
    }
    INDArray dPatches = d.mmul(weights)
        .reshape('c', m, out.height(), out.width(), in.channels(), spec.kernel(), spec.kernel())
        .permute(0, 3, 4, 5, 1, 2);
    return Convolution.col2im(dPatches, spec.stride(), spec.stride(), spec.padding(), spec.padding(),
        in.height(), in.width());
  }

  private ParamGradients materialise(INDArray d, long m) {
    INDArray d3 = d.reshape('c', m, positions, spec.filters());
    INDArray u3 = patches.reshape('c', m, positions, patch);
    INDArray perExample = Nd4j.matmul(d3, u3, true, false, false); // [m, F, K]
    INDArray perExampleBias = d3.sum(1); // [m, F]
    return new Materialised(perExample.reshape('c', m, (long) spec.filters() * patch), perExampleBias);
  }

  /** Materialised per-example gradients: rows of G [m × F·K] and B [m × F]. */
  private record Materialised(INDArray g, INDArray b) implements ParamGradients {
    @Override
    public void addSquaredNorms(double[] out) {
      double[] w = Arrays2.rowSquaredNorms(g);
      double[] bb = Arrays2.rowSquaredNorms(b);
      for (int i = 0; i < out.length; i++) {
        out[i] += w[i] + bb[i];
      }
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

  /** Gram-matrix (ghost) form: keeps patches U [m·P × K] and deltas D [m·P × F]. */
  private record GramForm(INDArray u, INDArray d, long m, int positions) implements ParamGradients {
    @Override
    public void addSquaredNorms(double[] out) {
      INDArray u3 = u.reshape('c', m, positions, u.size(1));
      INDArray d3 = d.reshape('c', m, positions, d.size(1));
      INDArray gu = Nd4j.matmul(u3, u3, false, true, false); // [m, P, P]
      INDArray gd = Nd4j.matmul(d3, d3, false, true, false);
      double[] w = rowDots(gu.reshape('c', m, (long) positions * positions),
          gd.reshape('c', m, (long) positions * positions));
      double[] bb = Arrays2.rowSquaredNorms(d3.sum(1));
      for (int i = 0; i < out.length; i++) {
        out[i] += w[i] + bb[i];
      }
    }

    @Override
    public void addWeightedSum(INDArray c, INDArray[] sums) {
      INDArray scaled = d;
      if (c != null) {
        INDArray perRow = c.reshape(m, 1).repeat(1, positions).reshape('c', m * positions, 1);
        scaled = d.mulColumnVector(perRow);
      }
      Nd4j.gemm(scaled, u, sums[0], true, false, 1.0, 1.0);
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
