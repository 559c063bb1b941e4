package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Causal 1-D convolution over [m, T, C] (positions of C channels) as im2col + one matrix product:
 * the patch of position t is x_t, x_{t−r}, .., x_{t−(k−1)r} (zeros before the start), K = k·C
 * values, so the output [m·T × F] = U Wᵀ + b is already position-major. Kernel 1 (the language
 * model's per-position head) uses the input itself as the patches.
 *
 * <p>Per-example norms: the convolution's two forms ({@link Conv2DLayer.Materialised}, {@link
 * Conv2DLayer.GramForm}, with their rounding bounds), the cheaper chosen from the shape as for
 * images: per example, materialising D_iᵀ U_i costs T·K·F and the Gram form T²·(K + F). For T = 64
 * positions, C = 64 channels, k = 3 (K = 192) and F = 64 filters that is 0.79 against 1.05 million
 * multiply-adds, and for the head (K = 64, F = 98 symbols) 0.40 against 0.66 million: windows are
 * long next to the layer widths, so language models materialise (the Gram form pays off when T <
 * K·F / (K + F), i.e. short windows and wide layers).
 */
final class CausalConv1DLayer implements Layer {
  private final LayerSpec.CausalConv1D spec;
  private final int channels;
  private final int positions;
  private final int patch;

  /** Chosen from the shape: see the class comment. */
  final boolean gram;

  private final INDArray weights;
  private final INDArray bias;
  private INDArray patches;

  CausalConv1DLayer(LayerSpec.CausalConv1D spec, Shape in, DataType dtype) {
    this(
        spec, in, dtype, gramIsCheaper(in.height(), spec.kernel() * in.channels(), spec.filters()));
  }

  CausalConv1DLayer(LayerSpec.CausalConv1D spec, Shape in, DataType dtype, boolean gram) {
    this.spec = spec;
    this.channels = in.channels();
    this.positions = in.height();
    this.patch = spec.kernel() * channels;
    this.gram = gram;
    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      weights = Nd4j.create(dtype, spec.filters(), patch);
      bias = Nd4j.create(dtype, spec.filters());
    }
  }

  static boolean gramIsCheaper(int positions, int patch, int filters) {
    return (long) positions * (patch + filters) < (long) patch * filters;
  }

  @Override
  public INDArray[] params() {
    return new INDArray[] {weights, bias};
  }

  @Override
  public INDArray forward(INDArray x) {
    int m = (int) x.size(0);
    patches = spec.kernel() == 1 ? x.reshape('c', (long) m * positions, channels) : im2col(x, m);
    INDArray z = Nd4j.createUninitialized(weights.dataType(), (long) m * positions, spec.filters());
    Sgemm.into(patches, weights, z, false, true, 1f, 0f);
    return z.addiRowVector(bias).reshape('c', m, positions, spec.filters());
  }

  /**
   * Patch rows [m·T × K]: for each position and tap, a bulk copy of the C channels of the position
   * it reads (System.arraycopy serves the float and the double network alike); taps before the
   * start stay zero.
   */
  private INDArray im2col(INDArray x, int m) {
    boolean narrow = x.dataType() == DataType.FLOAT;
    Object src = narrow ? Arrays2.floats(x) : Arrays2.flat(x);
    int n = m * positions * patch;
    Object rows = narrow ? new float[n] : new double[n];
    for (int i = 0; i < m; i++) {
      for (int t = 0; t < positions; t++) {
        for (int j = 0; j < spec.kernel() && t - j * spec.dilation() >= 0; j++) {
          int s = t - j * spec.dilation();
          System.arraycopy(
              src,
              (i * positions + s) * channels,
              rows,
              (i * positions + t) * patch + j * channels,
              channels);
        }
      }
    }
    INDArray u = Nd4j.createUninitialized(x.dataType(), (long) m * positions, patch);
    if (narrow) {
      Arrays2.copyFrom((float[]) rows, 0, u);
    } else {
      Arrays2.copyFrom((double[]) rows, 0, u);
    }
    return u;
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    long m = dOut.size(0);
    INDArray d = dOut.reshape('c', m * positions, spec.filters());
    grads.add(gram ? new Conv2DLayer.GramForm(patches, d, m, positions) : materialise(d, m));
    if (!needInputGradient) {
      return null;
    }
    INDArray dPatches = Nd4j.createUninitialized(d.dataType(), m * positions, patch);
    Sgemm.into(d, weights, dPatches, false, false, 1f, 0f);
    return spec.kernel() == 1
        ? dPatches.reshape('c', m, positions, channels)
        : col2im(dPatches, (int) m);
  }

  private ParamGradients materialise(INDArray d, long m) {
    INDArray d3 = d.reshape('c', m, positions, spec.filters());
    INDArray u3 = patches.reshape('c', m, positions, patch);
    INDArray perExample = Nd4j.matmul(d3, u3, true, false, false); // [m, F, K]
    return new Conv2DLayer.Materialised(
        perExample.reshape('c', m, (long) spec.filters() * patch), d3.sum(1));
  }

  /** The input gradient [m, T, C]: each patch value's gradient added back to where it was read. */
  private INDArray col2im(INDArray dPatches, int m) {
    INDArray dx = Nd4j.createUninitialized(dPatches.dataType(), m, positions, channels);
    if (dPatches.dataType() == DataType.FLOAT) {
      float[] g = Arrays2.floats(dPatches);
      float[] out = new float[m * positions * channels];
      for (int i = 0; i < m; i++) {
        for (int t = 0; t < positions; t++) {
          for (int j = 0; j < spec.kernel() && t - j * spec.dilation() >= 0; j++) {
            int to = (i * positions + t - j * spec.dilation()) * channels;
            int from = (i * positions + t) * patch + j * channels;
            for (int c = 0; c < channels; c++) {
              out[to + c] += g[from + c];
            }
          }
        }
      }
      Arrays2.copyFrom(out, 0, dx);
    } else {
      double[] g = Arrays2.flat(dPatches);
      double[] out = new double[m * positions * channels];
      for (int i = 0; i < m; i++) {
        for (int t = 0; t < positions; t++) {
          for (int j = 0; j < spec.kernel() && t - j * spec.dilation() >= 0; j++) {
            int to = (i * positions + t - j * spec.dilation()) * channels;
            int from = (i * positions + t) * patch + j * channels;
            for (int c = 0; c < channels; c++) {
              out[to + c] += g[from + c];
            }
          }
        }
      }
      Arrays2.copyFrom(out, 0, dx);
    }
    return dx;
  }
}
