package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkdpsgd.clip.ClipFactors;

/**
 * The clipping bound under rounding, layer by layer, on crafted inputs that random tests never
 * reach: positions whose contributions cancel (identical patches with alternating deltas, which
 * break the Gram form's estimate), huge and tiny magnitudes. Every per-example gradient form (dense
 * ghost, conv Gram, conv materialised, GroupNorm, the embedding's token ghost form, the causal
 * convolution in both forms) and both precisions: the contribution one example adds to the clipped
 * sum, computed exactly as a step computes it and measured in double, never exceeds C.
 *
 * <p>The layer's output delta is chosen directly (an upstream network can produce any delta), so
 * the cases reach the worst ones, not just what a random network happens to produce.
 */
class RoundingSafeClippingTest {
  private static final double CLIP = 1.0;

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE)) {
      // Patches ≈ V (1 + ρ·noise): the Gram entries' rounding error (≈ u V² per term) is of the
      // order of the true, cancelled norm (≈ ρ² V²) when ρ ≈ √u, so estimates land anywhere,
      // also far below the truth.
      double sqrtU = Math.sqrt(dtype == DataType.FLOAT ? 0x1p-24 : 0x1p-53);
      for (String form :
          List.of(
              "gram",
              "materialised",
              "dense",
              "groupnorm",
              "embedding",
              "causal-gram",
              "causal-materialised")) {
        for (double rho : new double[] {4 * sqrtU, sqrtU, sqrtU / 4, sqrtU / 16}) {
          for (double magnitude : new double[] {1, 1e12, 1e-12}) {
            for (int seed = 0; seed < 8; seed++) {
              all.add(Arguments.of(form, dtype, rho, magnitude, seed));
            }
          }
        }
        for (double magnitude : new double[] {1e30, 1e-30}) { // float overflow and underflow
          for (int seed = 0; seed < 8; seed++) {
            all.add(Arguments.of(form, dtype, sqrtU, magnitude, seed));
          }
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} {1} rho {2} magnitude {3} seed {4}")
  @MethodSource("cases")
  void contributionStaysWithinTheClip(
      String form, DataType dtype, double rho, double magnitude, int seed) {
    SplittableRandom rng = new SplittableRandom(seed * 7919L + form.hashCode());
    Case k =
        switch (form) {
          case "gram" -> conv(true, dtype, rho, magnitude, rng);
          case "materialised" -> conv(false, dtype, rho, magnitude, rng);
          case "dense" -> dense(dtype, magnitude, rng);
          case "embedding" -> embedding(dtype, rho, magnitude, rng);
          case "causal-gram" -> causalConv(true, dtype, rho, magnitude, rng);
          case "causal-materialised" -> causalConv(false, dtype, rho, magnitude, rng);
          default -> groupNorm(dtype, rho, magnitude, rng);
        };
    double norm = clippedContributionNorm(k.gradients(), k.layer(), dtype);
    assertTrue(
        norm <= CLIP,
        form
            + " "
            + dtype
            + ": contribution "
            + norm
            + " > C = "
            + CLIP
            + " ("
            + norm / CLIP
            + " × C)");
  }

  /**
   * On ordinary inputs (random patches and deltas, the shape of the CNN recipe's second
   * convolution, in float) the Gram bound is within 0.1% of the estimate: clipping with it costs no
   * signal where nothing cancels.
   */
  @org.junit.jupiter.api.Test
  void gramBoundIsTightForOrdinaryInputs() {
    SplittableRandom rng = new SplittableRandom(5);
    Shape in = new Shape(16, 4, 4);
    LayerSpec.Conv2D spec = new LayerSpec.Conv2D(32, 3, 1, 0);
    Shape out = spec.outputShape(in);
    assertTrue(Conv2DLayer.ghostIsCheaper(in, out, spec));
    Conv2DLayer layer = new Conv2DLayer(spec, in, out, DataType.FLOAT);
    load(layer, rng, 0.1);
    int m = 64;
    double[] x = new double[m * in.size()];
    for (int k = 0; k < x.length; k++) {
      x[k] = Math.tanh(rng.nextGaussian());
    }
    double[] d = new double[m * out.size()];
    for (int k = 0; k < d.length; k++) {
      d[k] = rng.nextGaussian();
    }
    layer.forward(array(x, DataType.FLOAT, m, in.size()));
    List<ParamGradients> grads = new ArrayList<>();
    layer.backward(
        array(d, DataType.FLOAT, m, out.size())
            .reshape(m, out.channels(), out.height(), out.width()),
        false,
        grads);
    double[] estimate = new double[m];
    double[] bound = new double[m];
    grads.get(0).addSquaredNorms(estimate);
    grads.get(0).addSquaredNormBounds(bound);
    for (int i = 0; i < m; i++) {
      assertTrue(
          bound[i] >= estimate[i] && bound[i] <= estimate[i] * 1.001,
          "example " + i + ": bound " + bound[i] + " against estimate " + estimate[i]);
    }
  }

  /**
   * The embedding's bound covers the exact gradient even when its double sums lose deltas: on one
   * id, deltas 1e20, 1, −1e20 (per dimension, 1 being below half an ulp of 1e20) sum to 0 in double
   * while the exact sum is 1, so the computed squared norm is 0 and the exact one is dim. Clipping
   * with that 0 would be safe only as long as the weighted sum rounds the same way; the bound does
   * not rely on it.
   */
  @org.junit.jupiter.api.Test
  void embeddingBoundCoversTheExactNormWhenDoubleSumsLoseDeltas() {
    int dim = 3;
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE)) {
      EmbeddingLayer layer = new EmbeddingLayer(Shape.sequence(3, 5), dim, dtype);
      layer.forward(array(new double[] {2, 2, 2}, dtype, 1, 3));
      double[] g = new double[3 * dim];
      for (int k = 0; k < dim; k++) {
        g[k] = 1e20;
        g[dim + k] = 1;
        g[2 * dim + k] = -1e20;
      }
      List<ParamGradients> grads = new ArrayList<>();
      layer.backward(array(g, dtype, 1, g.length).reshape(1, 3, dim), false, grads);
      double[] estimate = new double[1];
      double[] bound = new double[1];
      grads.get(0).addSquaredNorms(estimate);
      grads.get(0).addSquaredNormBounds(bound);
      assertTrue(estimate[0] == 0.0, dtype + ": the double sums lost the 1s: " + estimate[0]);
      assertTrue(bound[0] >= dim, dtype + ": bound " + bound[0] + " below the exact " + dim);
    }
  }

  /**
   * One example's clipped contribution, as the aggregator computes it: clip factor from the layer's
   * norm bound, then the layer's weighted sum into zero sums, read in double.
   */
  static double clippedContributionNorm(ParamGradients g, Layer layer, DataType dtype) {
    double[] sq = new double[1];
    g.addSquaredNormBounds(sq);
    double[] c = ClipFactors.fromSquaredNorms(sq, CLIP);
    INDArray[] params = layer.params();
    INDArray[] sums = new INDArray[params.length];
    for (int k = 0; k < sums.length; k++) {
      sums[k] = Nd4j.zeros(dtype, params[k].shape());
    }
    g.addWeightedSum(Nd4j.create(c, new long[] {1, 1}, 'c').castTo(dtype), sums);
    double total = 0;
    for (INDArray s : sums) {
      for (double v : s.castTo(DataType.DOUBLE).dup('c').reshape(s.length()).toDoubleVector()) {
        total += v * v;
      }
    }
    return Math.sqrt(total);
  }

  /**
   * A convolution over a nearly constant image (all 3×3 patches ≈ magnitude, perturbed by a
   * relative ρ) with deltas alternating in sign over the 14×14 positions, so that the true weight
   * gradient Σ_p d_p u_pᵀ nearly cancels while every Gram entry is huge.
   */
  /** A layer and the per-example gradient data its backward pass produced for one example. */
  private record Case(ParamGradients gradients, Layer layer) {}

  private static Case conv(
      boolean gram, DataType dtype, double rho, double magnitude, SplittableRandom rng) {
    Shape in = new Shape(1, 16, 16);
    LayerSpec.Conv2D spec = new LayerSpec.Conv2D(3, 3, 1, 0);
    Shape out = spec.outputShape(in);
    Conv2DLayer layer = new Conv2DLayer(spec, in, out, dtype, gram);
    load(layer, rng, 1.0);
    double[] x = new double[in.size()];
    double unit = magnitude * rho;
    for (int k = 0; k < x.length; k++) {
      x[k] = magnitude + unit * rng.nextGaussian();
    }
    double[] d = new double[out.size()];
    for (int f = 0; f < out.channels(); f++) {
      double df = rng.nextGaussian();
      for (int p = 0; p < out.height() * out.width(); p++) {
        int row = p / out.width();
        int col = p % out.width();
        d[f * out.height() * out.width() + p] = ((row + col) % 2 == 0 ? df : -df) / unit;
      }
    }
    layer.forward(array(x, dtype, 1, in.size()));
    List<ParamGradients> grads = new ArrayList<>();
    layer.backward(
        array(d, dtype, 1, out.size()).reshape(1, out.channels(), out.height(), out.width()),
        false,
        grads);
    return new Case(grads.get(0), layer);
  }

  /** A dense layer with inputs and deltas at the given magnitude (and its inverse). */
  private static Case dense(DataType dtype, double magnitude, SplittableRandom rng) {
    DenseLayer layer = new DenseLayer(Shape.flat(20), 7, dtype);
    load(layer, rng, 1.0);
    double[] a = new double[20];
    for (int k = 0; k < a.length; k++) {
      a[k] = magnitude * rng.nextGaussian() * (k % 3 == 0 ? 1 : 1e-3);
    }
    double[] d = new double[7];
    for (int k = 0; k < d.length; k++) {
      d[k] = rng.nextGaussian() / Math.sqrt(magnitude);
    }
    layer.forward(array(a, dtype, 1, 20));
    List<ParamGradients> grads = new ArrayList<>();
    layer.backward(array(d, dtype, 1, 7), false, grads);
    return new Case(grads.get(0), layer);
  }

  /**
   * An embedding's worst case: the 32 positions on one id (a random few on a second), deltas of
   * magnitude V alternating in sign with relative perturbations ρ, so that the id's row of the
   * gradient, Σ_t g_t, nearly cancels.
   */
  private static Case embedding(
      DataType dtype, double rho, double magnitude, SplittableRandom rng) {
    int window = 32;
    int dim = 6;
    EmbeddingLayer layer = new EmbeddingLayer(Shape.sequence(window, 10), dim, dtype);
    load(layer, rng, 1.0);
    double[] ids = new double[window];
    for (int t = 0; t < window; t++) {
      ids[t] = rng.nextBoolean() && t % 3 == 0 ? 7 : 4;
    }
    double[] base = new double[dim];
    for (int k = 0; k < dim; k++) {
      base[k] = magnitude * rng.nextGaussian();
    }
    double[] g = new double[window * dim];
    for (int t = 0; t < window; t++) {
      for (int k = 0; k < dim; k++) {
        g[t * dim + k] = (t % 2 == 0 ? 1 : -1) * base[k] * (1 + rho * rng.nextGaussian());
      }
    }
    layer.forward(array(ids, dtype, 1, window));
    List<ParamGradients> grads = new ArrayList<>();
    layer.backward(array(g, dtype, 1, window * dim).reshape(1, window, dim), false, grads);
    return new Case(grads.get(0), layer);
  }

  /**
   * A causal convolution (kernel 3, dilation 2) over a nearly constant sequence of 40 positions,
   * deltas alternating in sign over the positions: the weight gradient nearly cancels.
   */
  private static Case causalConv(
      boolean gram, DataType dtype, double rho, double magnitude, SplittableRandom rng) {
    Shape in = Shape.sequence(40, 2);
    LayerSpec.CausalConv1D spec = new LayerSpec.CausalConv1D(3, 3, 2);
    CausalConv1DLayer layer = new CausalConv1DLayer(spec, in, dtype, gram);
    load(layer, rng, 1.0);
    double unit = magnitude * rho;
    double[] x = new double[in.size()];
    for (int k = 0; k < x.length; k++) {
      x[k] = magnitude + unit * rng.nextGaussian();
    }
    double[] d = new double[40 * 3];
    for (int f = 0; f < 3; f++) {
      double df = rng.nextGaussian();
      for (int t = 0; t < 40; t++) {
        d[t * 3 + f] = (t % 2 == 0 ? df : -df) / unit;
      }
    }
    layer.forward(array(x, dtype, 1, in.size()).reshape(1, 40, 2));
    List<ParamGradients> grads = new ArrayList<>();
    layer.backward(array(d, dtype, 1, d.length).reshape(1, 40, 3), false, grads);
    return new Case(grads.get(0), layer);
  }

  /** GroupNorm over a nearly constant input, with deltas alternating in sign over positions. */
  private static Case groupNorm(
      DataType dtype, double rho, double magnitude, SplittableRandom rng) {
    Shape shape = new Shape(4, 6, 6);
    GroupNormLayer layer = new GroupNormLayer(2, shape, dtype);
    load(layer, rng, 1.0);
    double[] x = new double[shape.size()];
    double[] d = new double[shape.size()];
    for (int k = 0; k < x.length; k++) {
      x[k] = magnitude * (1 + rho * rng.nextGaussian());
      d[k] = (k % 2 == 0 ? 1 : -1) * (1 + rho * rng.nextGaussian());
    }
    layer.forward(array(x, dtype, 1, shape.size()).reshape(1, 4, 6, 6));
    List<ParamGradients> grads = new ArrayList<>();
    layer.backward(array(d, dtype, 1, shape.size()).reshape(1, 4, 6, 6), false, grads);
    return new Case(grads.get(0), layer);
  }

  private static INDArray array(double[] v, DataType dtype, int rows, int cols) {
    return Nd4j.create(v, new long[] {rows, cols}, 'c').castTo(dtype);
  }

  private static void load(Layer layer, SplittableRandom rng, double scale) {
    for (INDArray p : layer.params()) {
      double[] part = new double[(int) p.length()];
      for (int k = 0; k < part.length; k++) {
        part[k] = scale * rng.nextGaussian();
      }
      p.assign(Nd4j.create(part, p.shape(), 'c').castTo(p.dataType()));
    }
  }
}
