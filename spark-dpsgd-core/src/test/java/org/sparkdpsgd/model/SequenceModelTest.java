package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The language model's pieces that PerExampleGradientsTest does not reach: the per-position loss
 * against a hand computation with padding, causality, the embedding's norm on one repeated id
 * against the materialised gradient, and the model's and config's checks.
 */
class SequenceModelTest {
  @Test
  void paddingAgreesWithTheCharacterVocabulary() {
    assertEquals(CharVocabulary.PAD, TokenWindows.PAD);
  }

  /**
   * Vocabulary 3, window 3, one row [2, 1, 2, PAD]: targets 1, 2 and padding. Logits (0, 0, 0) at
   * position 0 give p(1) = 1/3; logits (0, ln 2, ln 5) at position 1 give p = (1, 2, 5)/8, p(2) =
   * 5/8; position 2 is padding. Loss (ln 3 + ln 8/5)/2, gradient rows (p − e_y)/2, then 0.
   */
  @Test
  void perPositionLossMatchesTheHandComputation() {
    for (DataType dtype : List.of(DataType.DOUBLE, DataType.FLOAT)) {
      INDArray rows = Nd4j.create(new double[] {2, 1, 2, 0}, new long[] {1, 4}, 'c').castTo(dtype);
      TokenWindows w = TokenWindows.of(rows, 3, 3);
      assertArrayEquals(new int[] {1, 2, 0}, w.targets());
      assertArrayEquals(new double[] {2, 1, 2}, Arrays2.flat(w.inputs()));
      double[] z = {0, 0, 0, 0, Math.log(2), Math.log(5), 7, -3, 1};
      INDArray logits = Nd4j.create(z, new long[] {1, 3, 3}, 'c').castTo(dtype);
      SoftmaxCrossEntropy.LossAndGradient lg = SequenceCrossEntropy.lossAndGradient(logits, w);
      double tol = dtype == DataType.FLOAT ? 1e-6 : 1e-14;
      assertEquals((Math.log(3) + Math.log(8.0 / 5)) / 2, lg.losses().getDouble(0), tol);
      double[] expected = {1.0 / 6, -1.0 / 3, 1.0 / 6, 1.0 / 16, 1.0 / 8, -3.0 / 16, 0, 0, 0};
      assertArrayEquals(expected, Arrays2.flat(lg.gradient()), tol);
      WindowScores s = SequenceCrossEntropy.logLikelihoods(logits, w);
      assertEquals(-(Math.log(3) + Math.log(8.0 / 5)), s.logLikelihoods()[0], 2 * tol);
      assertEquals(2, s.targets()[0]);
    }
  }

  /** A record's last window holding one character: no target, loss 0, zero gradient. */
  @Test
  void aWindowWithoutTargetsHasZeroLossAndGradient() {
    ModelSpec spec = PerExampleGradientsTest.charLm();
    double[] params = PerExampleGradientsTest.randomParams(spec, new SplittableRandom(3));
    float[] x = new float[spec.inputDim()];
    x[0] = 4;
    Network net = new Network(spec, params, DataType.DOUBLE);
    BatchGradients g = net.forwardBackward(net.input(x, 1), new int[1]);
    assertEquals(0.0, g.lossSum());
    assertEquals(0.0, g.squaredNorms()[0]);
    assertEquals(0.0, g.squaredNormBounds()[0]);
    double[] sum = new double[spec.numParams()];
    g.addWeightedSum(null, sum);
    for (double v : sum) {
      assertEquals(0.0, v);
    }
    assertEquals(0, net.sequenceLogLikelihoods(net.input(x, 1)).targets()[0]);
  }

  /**
   * Changing the id at position s changes no logits before s and some from s on (the dilated
   * convolutions reach back 2 + 3 positions, and nothing forward).
   */
  @Test
  void logitsAtAPositionDependOnlyOnIdsUpToIt() {
    ModelSpec spec = PerExampleGradientsTest.charLm();
    SplittableRandom rng = new SplittableRandom(8);
    double[] params = PerExampleGradientsTest.randomParams(spec, rng);
    int width = spec.window() + 1;
    for (DataType dtype : List.of(DataType.DOUBLE, DataType.FLOAT)) {
      Network net = new Network(spec, params, dtype);
      for (int s = 0; s < spec.window(); s++) {
        float[] x = new float[width];
        for (int t = 0; t < width; t++) {
          x[t] = 1 + rng.nextInt(5);
        }
        double[] before = Arrays2.flat(net.logits(net.input(x, 1)));
        x[s] = x[s] == 5 ? 1 : x[s] + 1;
        // The target at the end of the row is not an input: changing it changes no logit.
        x[width - 1] = x[width - 1] == 5 ? 1 : x[width - 1] + 1;
        double[] after = Arrays2.flat(net.logits(net.input(x, 1)));
        int v = spec.numClasses();
        for (int k = 0; k < s * v; k++) {
          assertEquals(before[k], after[k], 0.0, dtype + ": position " + k / v + " saw " + s);
        }
        boolean changed = false;
        for (int k = s * v; k < before.length; k++) {
          changed |= before[k] != after[k];
        }
        assertTrue(changed, dtype + ": no position from " + s + " on reads the id at " + s);
      }
    }
  }

  /**
   * The worst case of the embedding's ghost norm, every position on one id: the norm against the
   * materialised [V × dim] gradient Σ_t e_{id} g_tᵀ, the rows of other ids zero, and the clipped
   * sum is c times that gradient.
   */
  @Test
  void embeddingNormOfOneRepeatedIdMatchesTheMaterialisedGradient() {
    int vocabulary = 9;
    int window = 6;
    int dim = 4;
    EmbeddingLayer layer =
        new EmbeddingLayer(Shape.sequence(window, vocabulary), dim, DataType.DOUBLE);
    SplittableRandom rng = new SplittableRandom(2);
    double[] ids = new double[2 * window];
    for (int t = 0; t < window; t++) {
      ids[t] = 5;
      ids[window + t] = t % 2 == 0 ? 3 : 7;
    }
    layer.forward(Nd4j.create(ids, new long[] {2, window}, 'c'));
    double[] g = new double[2 * window * dim];
    for (int k = 0; k < g.length; k++) {
      g[k] = rng.nextGaussian();
    }
    List<ParamGradients> grads = new ArrayList<>();
    layer.backward(Nd4j.create(g, new long[] {2, window, dim}, 'c'), false, grads);
    double[] norms = new double[2];
    grads.get(0).addSquaredNorms(norms);
    double[] c = {0.25, 1.0};
    INDArray[] sums = {Nd4j.zeros(DataType.DOUBLE, vocabulary, dim)};
    grads.get(0).addWeightedSum(Nd4j.create(c, new long[] {2, 1}, 'c'), sums);
    double[] expectedSum = new double[vocabulary * dim];
    for (int i = 0; i < 2; i++) {
      double[] materialised = new double[vocabulary * dim];
      for (int t = 0; t < window; t++) {
        for (int k = 0; k < dim; k++) {
          materialised[(int) ids[i * window + t] * dim + k] += g[(i * window + t) * dim + k];
        }
      }
      double sq = 0;
      for (int k = 0; k < materialised.length; k++) {
        sq += materialised[k] * materialised[k];
        expectedSum[k] += c[i] * materialised[k];
      }
      assertEquals(sq, norms[i], 1e-12 * sq, "example " + i);
    }
    assertArrayEquals(expectedSum, Arrays2.flat(sums[0]), 1e-12);
  }

  @Test
  void tokenIdsOutsideTheVocabularyAreRefused() {
    ModelSpec spec = PerExampleGradientsTest.charLm();
    Network net = new Network(spec, new double[spec.numParams()], DataType.FLOAT);
    for (float bad : new float[] {6, -1, 2.5f, Float.NaN}) {
      for (int at : new int[] {0, spec.window()}) {
        float[] x = new float[spec.inputDim()];
        x[at] = bad;
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () -> net.forwardBackward(net.input(x, 1), new int[1]));
        assertEquals("a token id is not a whole number in 0..5", e.getMessage());
      }
    }
  }

  @Test
  void layersThatBreakCausalityOrOrderAreRefused() {
    LayerSpec embedding = new LayerSpec.Embedding(4);
    InvalidInputException dense =
        assertThrows(
            InvalidInputException.class,
            () -> ModelSpec.languageModel(8, 98, List.of(embedding, new LayerSpec.Dense(4))));
    assertTrue(
        dense.getMessage().startsWith("layer 2 (dense(4)) cannot be used in a language model"));
    InvalidInputException second =
        assertThrows(
            InvalidInputException.class,
            () -> ModelSpec.languageModel(8, 98, List.of(embedding, embedding)));
    assertTrue(second.getMessage().contains("must be the first layer"), second.getMessage());
    InvalidInputException classifier =
        assertThrows(
            InvalidInputException.class,
            () -> new ModelSpec(Shape.flat(8), List.of(new LayerSpec.CausalConv1D(3, 2, 1)), 3));
    assertTrue(classifier.getMessage().contains("works on sequences"), classifier.getMessage());
    InvalidInputException noEmbedding =
        assertThrows(
            InvalidInputException.class,
            () -> ModelSpec.languageModel(8, 98, List.of(new LayerSpec.CausalConv1D(3, 2, 1))));
    assertTrue(noEmbedding.getMessage().contains("first layer must be"), noEmbedding.getMessage());
    InvalidInputException reach =
        assertThrows(
            InvalidInputException.class,
            () ->
                ModelSpec.languageModel(
                    8, 98, List.of(embedding, new LayerSpec.CausalConv1D(3, 3, 4))));
    assertTrue(
        reach.getMessage().contains("reaches back (kernel − 1)·dilation = 8"), reach.getMessage());
  }

  /** The layers from their config form and back; the model's shapes, head and parameter count. */
  @Test
  void configRoundTripAndShapes() {
    List<LayerSpec> layers =
        LayerConfig.parse(
            List.of(
                Map.of("type", "embedding", "dim", 16),
                Map.of("type", "causal-conv1d", "filters", 32, "kernel", 3, "dilation", 2),
                Map.of("type", "tanh"),
                Map.of("type", "causal-conv1d", "filters", 32, "kernel", 2)),
            "model.layers");
    assertEquals(
        List.of(
            new LayerSpec.Embedding(16),
            new LayerSpec.CausalConv1D(32, 3, 2),
            LayerSpec.Activate.tanh(),
            new LayerSpec.CausalConv1D(32, 2, 1)),
        layers);
    assertEquals(layers, LayerConfig.parseJson(LayerConfig.toJson(layers), "saved model"));
    ModelSpec spec = ModelSpec.languageModel(64, CharVocabulary.SIZE, layers);
    assertTrue(spec.isSequence());
    assertEquals(65, spec.inputDim());
    assertEquals(64, spec.window());
    assertEquals(new LayerSpec.CausalConv1D(98, 1, 1), spec.allLayers().get(4));
    assertEquals(Shape.sequence(64, 98), spec.inputShapes().get(0));
    // Table 98·16; convolutions 32·48 + 32 and 32·64 + 32; head 98·32 + 98.
    assertEquals(98 * 16 + 32 * 48 + 32 + 32 * 64 + 32 + 98 * 32 + 98, spec.numParams());
    assertEquals(
        new ModelSpec(spec.input(), spec.layers(), spec.numClasses()), spec, "rebuilt as saved");
    InvalidInputException missing =
        assertThrows(
            InvalidInputException.class,
            () -> LayerConfig.parse(List.of(Map.of("type", "embedding")), "model.layers"));
    assertEquals("model.layers layer 1 (embedding) needs dim", missing.getMessage());
  }
}
