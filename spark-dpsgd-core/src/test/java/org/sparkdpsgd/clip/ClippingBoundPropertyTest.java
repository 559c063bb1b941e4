package org.sparkdpsgd.clip;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.text.CharVocabulary;

/**
 * The sensitivity bound as a property, on the float path used in training: whatever the inputs
 * (random, huge feature values up to the float maximum, one example dominating, wild weights), each
 * example's contribution to the clipped sum has L2 norm ≤ C (1e-6 relative).
 */
class ClippingBoundPropertyTest {
  private static final float[] EXTREMES = {0f, 1e-30f, 1e6f, 1e20f, 1e30f, 3e38f, -3e38f};

  @RepeatedTest(84)
  void everyContributionIsBoundedByTheClip(RepetitionInfo info) {
    SplittableRandom rng = new SplittableRandom(1000 + info.getCurrentRepetition());
    ModelSpec spec =
        switch (info.getCurrentRepetition() % 7) {
          case 0 -> ModelSpec.logisticRegression(12, 5);
          case 1 -> ModelSpec.mlp(12, new int[] {16}, Activation.TANH, 5);
          case 2 -> ModelSpec.mlp(12, new int[] {16, 8}, Activation.RELU, 5);
          // Materialised conv norms, max pooling, tempered sigmoid.
          case 3 ->
              new ModelSpec(
                  new Shape(1, 3, 4),
                  List.of(
                      new LayerSpec.Conv2D(3, 2, 1, 1),
                      LayerSpec.Activate.temperedSigmoid(2, 4, 1),
                      new LayerSpec.Pool(true, 2, 1),
                      new LayerSpec.Dense(6),
                      LayerSpec.Activate.relu()),
                  5);
          // A fixed scattering front end (its features scale with the inputs), GroupNorm, conv.
          case 4 ->
              new ModelSpec(
                  new Shape(1, 8, 8),
                  List.of(
                      new LayerSpec.Scattering(1, 4),
                      new LayerSpec.GroupNorm(5),
                      new LayerSpec.Conv2D(3, 2, 1, 0),
                      LayerSpec.Activate.tanh()),
                  5);
          // Each row standardised by its own statistics first (model.input-norm = per-example).
          case 5 -> ModelSpec.mlp(12, new int[] {16}, Activation.TANH, true, 5);
          // Gram-form conv norms, GroupNorm, average pooling.
          default ->
              new ModelSpec(
                  new Shape(3, 2, 2),
                  List.of(
                      new LayerSpec.Conv2D(8, 2, 2, 1),
                      new LayerSpec.GroupNorm(4),
                      LayerSpec.Activate.tanh(),
                      new LayerSpec.Pool(false, 2, 1)),
                  5);
        };
    double weightScale = Math.pow(10, rng.nextInt(-2, 4));
    double[] params = new double[spec.numParams()];
    for (int k = 0; k < params.length; k++) {
      params[k] = rng.nextGaussian() * weightScale;
    }
    double clip = Math.pow(10, rng.nextDouble(-3, 3));
    int m = 8;
    float[] x = new float[m * spec.inputDim()];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < spec.inputDim(); j++) {
        float v = (float) rng.nextGaussian();
        if (rng.nextInt(4) == 0) {
          v = EXTREMES[rng.nextInt(EXTREMES.length)];
        }
        if (i == 0) {
          v =
              Math.max(
                  -Float.MAX_VALUE, Math.min(Float.MAX_VALUE, v * 1e25f)); // one example dominating
        }
        x[i * spec.inputDim() + j] = v;
      }
    }
    for (int i = 0; i < m; i++) {
      float[] xi = new float[spec.inputDim()];
      System.arraycopy(x, i * spec.inputDim(), xi, 0, xi.length);
      int[] yi = {rng.nextInt(spec.numClasses())};
      double norm = contributionNorm(spec, params, xi, yi, clip);
      assertTrue(
          norm <= clip * (1 + 1e-6),
          "example " + i + " contributes " + norm + " > C = " + clip + " (" + spec + ")");
    }
  }

  /**
   * The Gram-form convolution (4 positions, 16 filters × 144 patch values) under cancellation,
   * through the aggregator: nearly equal patches of magnitude V (relative perturbations ρ ≈ √u) and
   * output deltas alternating in sign over the positions (the dense output layer's weights carry
   * the sign pattern). Before the rounding bounds, the estimated norm fell below the true one and
   * contributions reached several times C. Odd repetitions take the double path.
   */
  @RepeatedTest(32)
  void cancellingConvPositionsStayWithinTheClip(RepetitionInfo info) {
    int rep = info.getCurrentRepetition();
    boolean useDouble = rep % 2 == 1;
    SplittableRandom rng = new SplittableRandom(77 + rep);
    ModelSpec spec =
        new ModelSpec(new Shape(16, 4, 4), List.of(new LayerSpec.Conv2D(16, 3, 1, 0)), 3);
    double rho = Math.sqrt(useDouble ? 0x1p-53 : 0x1p-24) * Math.pow(2, rep % 8 / 2 - 2);
    double magnitude = useDouble ? 1e9 : 1e6;
    double[] params = new double[spec.numParams()];
    int convWeights = 16 * 144;
    for (int f = 0; f < 16; f++) {
      // Filters that sum to zero: the layer's outputs (and so the dense layer's own gradient)
      // stay small, and the convolution's gradient dominates the example's norm.
      double mean = 0;
      for (int k = 0; k < 144; k++) {
        params[f * 144 + k] = rng.nextGaussian() / 12;
        mean += params[f * 144 + k] / 144;
      }
      for (int k = 0; k < 144; k++) {
        params[f * 144 + k] -= mean;
      }
    }
    int denseStart = convWeights + 16;
    int[] sign = {1, -1, -1, 1}; // checkerboard over the 2×2 output positions
    for (int f = 0; f < 16; f++) {
      for (int c = 0; c < 3; c++) {
        double w = rng.nextGaussian() * 1e3;
        for (int p = 0; p < 4; p++) {
          params[denseStart + (f * 4 + p) * 3 + c] = sign[p] * w;
        }
      }
    }
    float[] x = new float[spec.inputDim()];
    for (int j = 0; j < x.length; j++) {
      x[j] = (float) (magnitude * (1 + rho * rng.nextGaussian()));
    }
    double clip = 1.0;
    double norm = contributionNorm(spec, params, x, new int[] {rng.nextInt(3)}, clip, useDouble);
    assertTrue(
        norm <= clip,
        "contribution " + norm + " > C = " + clip + " (" + (useDouble ? "double" : "float") + ")");
  }

  /**
   * Language models through the aggregator, float and double: windows on one repeated id (the
   * embedding's ghost norm then sums all T deltas into one row), random ids, padded tails;
   * embedding tables up to 1e30 and other weights up to 1e3 in magnitude. Even repetitions use
   * materialised convolution norms, repetitions 2 and 3 mod 4 a short window whose convolution and
   * head take the Gram form.
   */
  @RepeatedTest(48)
  void languageModelContributionsAreBoundedByTheClip(RepetitionInfo info) {
    int rep = info.getCurrentRepetition();
    boolean useDouble = rep % 2 == 1;
    SplittableRandom rng = new SplittableRandom(5000 + rep);
    int dim = rep % 4 < 2 ? 8 : 16;
    ModelSpec spec =
        rep % 4 < 2
            ? ModelSpec.languageModel(
                16,
                CharVocabulary.SIZE,
                List.of(
                    new LayerSpec.Embedding(dim),
                    new LayerSpec.CausalConv1D(8, 3, 2),
                    LayerSpec.Activate.tanh(),
                    new LayerSpec.CausalConv1D(8, 2, 1),
                    LayerSpec.Activate.relu()))
            : ModelSpec.languageModel(
                4,
                CharVocabulary.SIZE,
                List.of(
                    new LayerSpec.Embedding(dim),
                    new LayerSpec.CausalConv1D(32, 2, 1),
                    LayerSpec.Activate.tanh()));
    double weightScale = Math.pow(10, rng.nextInt(-2, 4));
    double tableScale = new double[] {1, 1e6, 1e20, 1e30}[rng.nextInt(4)];
    double[] params = new double[spec.numParams()];
    for (int k = 0; k < params.length; k++) {
      params[k] = rng.nextGaussian() * (k < CharVocabulary.SIZE * dim ? tableScale : weightScale);
    }
    double clip = Math.pow(10, rng.nextDouble(-3, 3));
    int width = spec.inputDim();
    for (int i = 0; i < 6; i++) {
      float[] x = new float[width];
      int kind = i % 3;
      int id = rng.nextInt(3, CharVocabulary.SIZE);
      int end = kind == 2 ? rng.nextInt(2, width) : width;
      for (int t = 0; t < end; t++) {
        x[t] = kind == 0 ? id : rng.nextInt(1, CharVocabulary.SIZE);
      }
      double norm = contributionNorm(spec, params, x, new int[] {0}, clip, useDouble);
      assertTrue(
          norm <= clip * (1 + 1e-6),
          "window kind " + kind + " contributes " + norm + " > C = " + clip + " (" + spec + ")");
    }
  }

  @Test
  void smallGradientsAreNotScaledUp() {
    ModelSpec spec = ModelSpec.logisticRegression(3, 2);
    // Zero weights: gradient of the loss is (p - y) x with p = 1/2, norm sqrt(0.5 (|x|^2 + 1)).
    float[] x = {0.1f, 0.0f, 0.0f};
    double expected = Math.sqrt(0.5 * (0.01 + 1));
    double norm = contributionNorm(spec, new double[spec.numParams()], x, new int[] {1}, 100.0);
    assertTrue(
        Math.abs(norm - expected) < 1e-6, "unclipped norm " + norm + " expected " + expected);
  }

  /** One example's contribution, through the aggregator exactly as a training step computes it. */
  static double contributionNorm(ModelSpec spec, double[] params, float[] x, int[] y, double clip) {
    return contributionNorm(spec, params, x, y, clip, false);
  }

  static double contributionNorm(
      ModelSpec spec, double[] params, float[] x, int[] y, double clip, boolean useDouble) {
    StepContext ctx = new StepContext(spec, clip, 1.0, SamplingKey.forTesting(1), 1, useDouble, 1);
    Supplier<double[]> weights = (Supplier<double[]> & Serializable) () -> params;
    ExampleBlock block = new ExampleBlock(0, 1, x.length, x, y);
    double[] sum = new ClippedGradientAggregator(ctx, weights).add(block).gradientSum();
    double sq = 0;
    for (double v : sum) {
      if (!Double.isFinite(v)) {
        return Double.POSITIVE_INFINITY;
      }
      sq += v * v;
    }
    return Math.sqrt(sq);
  }
}
