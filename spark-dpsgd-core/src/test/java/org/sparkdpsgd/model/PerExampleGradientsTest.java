package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkdpsgd.clip.ClipFactors;

/**
 * Per-example gradients of every layer and the loss, in double precision: (1) one-example backprop
 * against central finite differences of that example's loss, (2) the ghost norms of a batch against
 * the norms of the one-at-a-time gradients, (3) the clipped batch sum against Σ c_i g_i of the
 * one-at-a-time gradients.
 */
class PerExampleGradientsTest {
  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(ModelSpec.logisticRegression(7, 4)),
        Arguments.of(ModelSpec.mlp(6, new int[] {5}, Activation.TANH, 3)),
        Arguments.of(ModelSpec.mlp(6, new int[] {8, 4}, Activation.RELU, 3)),
        Arguments.of(ModelSpec.mlp(5, new int[] {6, 3}, Activation.TANH, 4)),
        // model.input-norm = per-example: a parameter-free GroupNorm of one group on the raw row
        Arguments.of(ModelSpec.mlp(6, new int[] {5}, Activation.TANH, true, 3)),
        Arguments.of(cnn()),
        Arguments.of(groupNormCnn()),
        Arguments.of(plainGroupNormCnn()),
        Arguments.of(flatGroupNorm()),
        Arguments.of(scatteringCnn()),
        Arguments.of(scatteringWithInput()),
        Arguments.of(tutorialCnn()),
        Arguments.of(wideMaxPoolCnn()),
        Arguments.of(charLm()),
        Arguments.of(charLmFullVocabulary()),
        Arguments.of(charLmGramForm()));
  }

  /**
   * A language model over a small vocabulary (ids repeat within a window, so the embedding's ghost
   * norm sums equal ids): dilated causal convolutions, materialised norms.
   */
  static ModelSpec charLm() {
    return ModelSpec.languageModel(
        7,
        6,
        List.of(
            new LayerSpec.Embedding(4),
            new LayerSpec.CausalConv1D(5, 3, 1),
            LayerSpec.Activate.tanh(),
            new LayerSpec.CausalConv1D(4, 2, 3),
            LayerSpec.Activate.relu()));
  }

  /** The character vocabulary's 98 symbols, a tempered sigmoid, kernel 1 in the body. */
  static ModelSpec charLmFullVocabulary() {
    return ModelSpec.languageModel(
        5,
        98,
        List.of(
            new LayerSpec.Embedding(3),
            new LayerSpec.CausalConv1D(4, 2, 1),
            LayerSpec.Activate.temperedSigmoid(1.5, 3.0, 0.5),
            new LayerSpec.CausalConv1D(3, 1, 1)));
  }

  /** A short window and wide layers: the convolution and the head take the Gram form. */
  static ModelSpec charLmGramForm() {
    ModelSpec spec =
        ModelSpec.languageModel(
            3,
            7,
            List.of(
                new LayerSpec.Embedding(8),
                new LayerSpec.CausalConv1D(16, 3, 1),
                LayerSpec.Activate.tanh()));
    assertTrue(
        CausalConv1DLayer.gramIsCheaper(3, 24, 16) && CausalConv1DLayer.gramIsCheaper(3, 16, 7));
    return spec;
  }

  /**
   * Max pooling with 3 × 3 windows (the float path's general window loop, not the 2 × 2 one) after
   * a padded convolution and relu, on two input channels.
   */
  static ModelSpec wideMaxPoolCnn() {
    return new ModelSpec(
        new Shape(2, 9, 9),
        List.of(
            new LayerSpec.Conv2D(3, 3, 1, 1),
            LayerSpec.Activate.relu(),
            new LayerSpec.Pool(true, 3, 2),
            new LayerSpec.Flatten(),
            new LayerSpec.Dense(5),
            LayerSpec.Activate.tanh()),
        3);
  }

  /**
   * The TF Privacy tutorial CNN's kinds in small: padded strided conv, relu, overlapping max pool
   * (stride 1), valid strided conv, relu, max pool, dense, relu.
   */
  static ModelSpec tutorialCnn() {
    return new ModelSpec(
        new Shape(1, 12, 12),
        List.of(
            new LayerSpec.Conv2D(4, 4, 2, 1),
            LayerSpec.Activate.relu(),
            new LayerSpec.Pool(true, 2, 1),
            new LayerSpec.Conv2D(6, 3, 2, 0),
            LayerSpec.Activate.relu(),
            new LayerSpec.Pool(true, 2, 1),
            new LayerSpec.Flatten(),
            new LayerSpec.Dense(8),
            LayerSpec.Activate.relu()),
        3);
  }

  /**
   * The float network (its own kernels: Java im2col/col2im, max pooling and tanh, column-major
   * dense weights) computes what the double network (ND4J's ops throughout) computes, to float
   * precision: per-example squared norms and bounds, losses, the plain and the clipped sum.
   */
  @ParameterizedTest
  @MethodSource("models")
  void floatNetworkAgreesWithTheDoubleOne(ModelSpec spec) {
    SplittableRandom rng = new SplittableRandom(11);
    double[] params = halved(randomParams(spec, rng));
    int m = 13;
    float[] x = rows(spec, m, rng);
    int[] y = new int[m];
    for (int i = 0; i < m; i++) {
      y[i] = rng.nextInt(spec.numClasses());
    }
    Network wide = new Network(spec, params, DataType.DOUBLE);
    Network narrow = new Network(spec, params, DataType.FLOAT);
    // Twice: the second pass reuses the float network's scratch arrays and reloaded weights.
    for (int pass = 0; pass < 2; pass++) {
      BatchGradients d = wide.forwardBackward(wide.input(x, m), y);
      BatchGradients f = narrow.forwardBackward(narrow.input(x, m), y);
      assertEquals(d.lossSum(), f.lossSum(), 1e-4 * Math.abs(d.lossSum()), "loss sum");
      double[] dn = d.squaredNormBounds();
      double[] fn = f.squaredNormBounds();
      double[] de = d.squaredNorms();
      double[] fe = f.squaredNorms();
      double[] c = ClipFactors.fromSquaredNorms(dn, 0.5);
      for (double[] factors : new double[][] {null, c}) {
        double[] ds = new double[spec.numParams()];
        double[] fs = new double[spec.numParams()];
        d.addWeightedSum(factors, ds);
        f.addWeightedSum(factors, fs);
        double scale = 0;
        for (double v : ds) {
          scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < ds.length; k++) {
          assertEquals(ds[k], fs[k], 1e-4 * scale, "sum coordinate " + k);
        }
      }
      params = halved(randomParams(spec, rng));
      wide.load(params);
      narrow.load(params);
    }
  }

  /** Conv (materialised norms) → tanh → maxpool → conv (Gram form) → tempered sigmoid → dense. */
  static ModelSpec cnn() {
    return new ModelSpec(
        new Shape(1, 6, 6),
        List.of(
            new LayerSpec.Conv2D(4, 3, 1, 1),
            LayerSpec.Activate.tanh(),
            new LayerSpec.Pool(true, 2, 2),
            new LayerSpec.Conv2D(5, 3, 2, 1),
            LayerSpec.Activate.temperedSigmoid(1.5, 3.0, 0.5),
            new LayerSpec.Flatten(),
            new LayerSpec.Dense(6),
            LayerSpec.Activate.relu()),
        3);
  }

  /** Two input channels, valid conv, GroupNorm over 2 groups, overlapping average pooling. */
  static ModelSpec groupNormCnn() {
    return new ModelSpec(
        new Shape(2, 5, 5),
        List.of(
            new LayerSpec.Conv2D(4, 3, 1, 0),
            new LayerSpec.GroupNorm(2),
            LayerSpec.Activate.tanh(),
            new LayerSpec.Pool(false, 2, 1)),
        3);
  }

  /** GroupNorm without scale and shift between trained layers: only its input gradient. */
  static ModelSpec plainGroupNormCnn() {
    return new ModelSpec(
        new Shape(2, 5, 5),
        List.of(
            new LayerSpec.Conv2D(4, 3, 1, 0),
            new LayerSpec.GroupNorm(2, false),
            LayerSpec.Activate.tanh()),
        3);
  }

  /** The recipe's shape in small: fixed scattering features, GroupNorm, conv, tanh. */
  static ModelSpec scatteringCnn() {
    return new ModelSpec(
        new Shape(1, 8, 8),
        List.of(
            new LayerSpec.Scattering(1, 4),
            new LayerSpec.GroupNorm(5),
            new LayerSpec.Conv2D(3, 3, 2, 1),
            LayerSpec.Activate.tanh()),
        3);
  }

  /**
   * The first command's recipe in small, with the image appended: fixed scattering, a
   * parameter-free GroupNorm and the standardised input, then trained dense layers.
   */
  static ModelSpec scatteringWithInput() {
    return new ModelSpec(
        new Shape(1, 8, 8),
        List.of(
            new LayerSpec.Scattering(1, 4),
            new LayerSpec.GroupNorm(5, false),
            new LayerSpec.AppendInput(0.5),
            new LayerSpec.Dense(4),
            LayerSpec.Activate.tanh()),
        3);
  }

  /** GroupNorm on dense features, then the tempered sigmoid's tanh-equivalent setting. */
  static ModelSpec flatGroupNorm() {
    return new ModelSpec(
        Shape.flat(8),
        List.of(
            new LayerSpec.Dense(6),
            new LayerSpec.GroupNorm(3),
            LayerSpec.Activate.temperedSigmoid(2, 2, 1)),
        4);
  }

  @ParameterizedTest
  @MethodSource("models")
  void singleExampleGradientMatchesFiniteDifferences(ModelSpec spec) {
    SplittableRandom rng = new SplittableRandom(11);
    double[] params = randomParams(spec, rng);
    float[] x = rows(spec, 1, rng);
    int[] y = {rng.nextInt(spec.numClasses())};
    double[] analytic = gradientOf(spec, params, x, y);
    double h = 1e-6;
    for (int k = 0; k < params.length; k++) {
      double[] plus = params.clone();
      double[] minus = params.clone();
      plus[k] += h;
      minus[k] -= h;
      double numeric = (loss(spec, plus, x, y) - loss(spec, minus, x, y)) / (2 * h);
      assertEquals(numeric, analytic[k], 1e-6 + 1e-5 * Math.abs(numeric), "parameter " + k);
    }
  }

  @ParameterizedTest
  @MethodSource("models")
  void ghostNormsAndClippedSumMatchOneAtATime(ModelSpec spec) {
    SplittableRandom rng = new SplittableRandom(5);
    double[] params = randomParams(spec, rng);
    int m = 9;
    float[] x = rows(spec, m, rng);
    int[] y = new int[m];
    for (int i = 0; i < m; i++) {
      y[i] = rng.nextInt(spec.numClasses());
    }
    Network net = new Network(spec, params, DataType.DOUBLE);
    BatchGradients batch = net.forwardBackward(net.input(x, m), y);
    double[] ghost = batch.squaredNorms();
    double[] bounds = batch.squaredNormBounds();
    double clip = 0.5;
    double[] c = ClipFactors.fromSquaredNorms(bounds, clip);
    double[] clippedSum = new double[spec.numParams()];
    batch.addWeightedSum(c, clippedSum);

    double[] expectedSum = new double[spec.numParams()];
    for (int i = 0; i < m; i++) {
      float[] xi = new float[spec.inputDim()];
      System.arraycopy(x, i * spec.inputDim(), xi, 0, xi.length);
      double[] gi = gradientOf(spec, params, xi, new int[] {y[i]});
      double sq = 0;
      for (double v : gi) {
        sq += v * v;
      }
      assertEquals(sq, ghost[i], 1e-10 * Math.max(1, sq), "squared norm of example " + i);
      // The rounding bound is above the norm (up to the reference's own rounding), and tight for
      // ordinary inputs in double.
      assertTrue(
          bounds[i] >= sq * (1 - 1e-12) && bounds[i] <= sq * (1 + 1e-9) + 1e-300,
          "bound " + bounds[i] + " of squared norm " + sq + " of example " + i);
      double ci = Math.min(1, clip / (Math.sqrt(bounds[i]) * (1 + ClipFactors.MARGIN)));
      for (int k = 0; k < gi.length; k++) {
        expectedSum[k] += ci * gi[k];
      }
    }
    for (int k = 0; k < expectedSum.length; k++) {
      assertEquals(expectedSum[k], clippedSum[k], 1e-10, "clipped sum coordinate " + k);
    }
  }

  /** Smaller weights: fewer saturated softmaxes in deep random networks. */
  private static double[] halved(double[] p) {
    for (int k = 0; k < p.length; k++) {
      p[k] *= 0.5;
    }
    return p;
  }

  static double[] gradientOf(ModelSpec spec, double[] params, float[] x, int[] y) {
    Network net = new Network(spec, params, DataType.DOUBLE);
    BatchGradients g = net.forwardBackward(net.input(x, y.length), y);
    double[] out = new double[spec.numParams()];
    g.addWeightedSum(null, out);
    return out;
  }

  /**
   * The example's loss from the forward pass alone; for a language model through {@link
   * Network#sequenceLogLikelihoods}, the mean −log p over the window's targets.
   */
  static double loss(ModelSpec spec, double[] params, float[] x, int[] y) {
    Network net = new Network(spec, params, DataType.DOUBLE);
    if (spec.isSequence()) {
      WindowScores s = net.sequenceLogLikelihoods(net.input(x, 1));
      return s.targets()[0] == 0 ? 0 : -s.logLikelihoods()[0] / s.targets()[0];
    }
    INDArray logProbs = SoftmaxCrossEntropy.logSoftmax(net.logits(net.input(x, y.length)));
    return -logProbs.getDouble(0, y[0]);
  }

  static double[] randomParams(ModelSpec spec, SplittableRandom rng) {
    double[] p = new double[spec.numParams()];
    for (int k = 0; k < p.length; k++) {
      p[k] = rng.nextGaussian() * 0.7;
    }
    return p;
  }

  /** Gaussian features, or for a language model windows of ids (see {@link #windows}). */
  static float[] rows(ModelSpec spec, int m, SplittableRandom rng) {
    return spec.isSequence()
        ? windows(m, spec.window(), spec.numClasses(), rng)
        : randomRows(m, spec.inputDim(), rng);
  }

  /**
   * m rows of window + 1 ids: ids drawn from at most 5 symbols (so they repeat), the first row
   * padded after its third id, the second (when m > 2) a record's last window with a single
   * character (no target but padding: zero loss and gradient), the others padded at random.
   */
  static float[] windows(int m, int window, int vocabulary, SplittableRandom rng) {
    int width = window + 1;
    float[] x = new float[m * width];
    int first = rng.nextInt(1, Math.max(2, vocabulary - 4));
    for (int i = 0; i < m; i++) {
      int end = i == 0 ? Math.min(3, width) : i == 1 && m > 2 ? 1 : rng.nextInt(2, width + 4);
      for (int t = 0; t < Math.min(end, width); t++) {
        x[i * width + t] = first + rng.nextInt(Math.min(5, vocabulary - first));
      }
    }
    return x;
  }

  static float[] randomRows(int m, int dim, SplittableRandom rng) {
    float[] x = new float[m * dim];
    for (int k = 0; k < x.length; k++) {
      x[k] = (float) rng.nextGaussian();
    }
    return x;
  }
}
