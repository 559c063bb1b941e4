package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * {@code append-input}: the features so far, then each example's input standardised by its own mean
 * and deviation and weighted; a fixed layer computed once per example, whose cached output gives
 * the whole network's logits.
 */
class AppendInputTest {
  private static final Shape IMAGE = new Shape(1, 8, 8);

  private static List<LayerSpec> fixedLayers(double weight) {
    return List.of(
        new LayerSpec.Scattering(1, 4),
        new LayerSpec.GroupNorm(5, false),
        new LayerSpec.AppendInput(weight));
  }

  private static float[] rows(int m, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[m * IMAGE.size()];
    for (int k = 0; k < x.length; k++) {
      x[k] = (float) rng.nextDouble();
    }
    return x;
  }

  @Test
  void appendsTheStandardisedWeightedInputAfterTheFeatures() {
    int m = 4;
    float[] x = rows(m, 3);
    ModelSpec with = new ModelSpec(IMAGE, fixedLayers(0.5), 3);
    ModelSpec without = new ModelSpec(IMAGE, fixedLayers(0.5).subList(0, 2), 3);
    assertEquals(3, with.fixedLayers());
    assertEquals(Shape.flat(5 * 4 * 4 + 64), with.trainable().input());
    float[] features = new FixedFeatures(without).apply(x, m);
    float[] actual = new FixedFeatures(with).apply(x, m);
    int d = 5 * 4 * 4;
    assertEquals(m * (d + 64), actual.length);
    for (int i = 0; i < m; i++) {
      double mean = 0;
      for (int k = 0; k < 64; k++) {
        mean += x[i * 64 + k];
      }
      mean /= 64;
      double variance = 0;
      for (int k = 0; k < 64; k++) {
        variance += (x[i * 64 + k] - mean) * (x[i * 64 + k] - mean);
      }
      double scale = 0.5 / Math.sqrt(variance / 64 + GroupNormLayer.EPS);
      for (int k = 0; k < d; k++) {
        assertEquals(
            features[i * d + k], actual[i * (d + 64) + k], 0f, "row " + i + " feature " + k);
      }
      for (int k = 0; k < 64; k++) {
        assertEquals(
            (x[i * 64 + k] - mean) * scale,
            actual[i * (d + 64) + d + k],
            1e-5,
            "row " + i + " pixel " + k);
      }
    }
  }

  /**
   * Training sees the cached features; scoring (MLlib, report snapshots) runs the whole network.
   */
  @Test
  void cachedFeaturesGiveTheWholeNetworksLogits() {
    List<LayerSpec> layers = new java.util.ArrayList<>(fixedLayers(2.0));
    layers.add(new LayerSpec.Dense(6));
    layers.add(LayerSpec.Activate.tanh());
    ModelSpec spec = new ModelSpec(IMAGE, layers, 4);
    SplittableRandom rng = new SplittableRandom(8);
    double[] params = new double[spec.numParams()];
    for (int k = 0; k < params.length; k++) {
      params[k] = rng.nextGaussian() * 0.3;
    }
    int m = 5;
    float[] x = rows(m, 11);
    Network whole = new Network(spec, params, DataType.DOUBLE);
    double[][] expected = whole.logits(whole.input(x, m)).toDoubleMatrix();
    Network rest = new Network(spec.trainable(), params, DataType.DOUBLE);
    double[][] actual =
        rest.logits(rest.input(new FixedFeatures(spec).apply(x, m), m)).toDoubleMatrix();
    for (int i = 0; i < m; i++) {
      // the cached features are float, the whole network here double
      assertArrayEquals(expected[i], actual[i], 1e-5, "row " + i);
    }
  }

  @Test
  void placementAndConfigAreChecked() {
    InvalidInputException first =
        assertThrows(
            InvalidInputException.class,
            () -> new ModelSpec(IMAGE, List.of(new LayerSpec.AppendInput(1)), 3));
    assertTrue(first.getMessage().contains("must follow fixed layers only"), first.getMessage());
    InvalidInputException trained =
        assertThrows(
            InvalidInputException.class,
            () ->
                new ModelSpec(
                    Shape.flat(6),
                    List.of(new LayerSpec.Dense(4), new LayerSpec.AppendInput(1)),
                    3));
    assertTrue(
        trained.getMessage().startsWith("layer 2 (append-input(1.0)) must follow fixed layers"),
        trained.getMessage());
    assertThrows(
        InvalidInputException.class,
        () ->
            new ModelSpec(
                IMAGE,
                List.of(
                    new LayerSpec.Scattering(1, 4),
                    new LayerSpec.GroupNorm(5),
                    new LayerSpec.AppendInput(1)),
                3),
        "a groupnorm with parameters is trained, not fixed");
    // an MLP's per-example input normalisation is fixed too
    assertEquals(
        2,
        new ModelSpec(
                Shape.flat(6),
                List.of(new LayerSpec.GroupNorm(1, false), new LayerSpec.AppendInput(1)),
                3)
            .fixedLayers());

    List<LayerSpec> parsed =
        LayerConfig.parse(
            List.of(
                Map.of("type", "scattering", "scales", 1, "angles", 4),
                Map.of("type", "groupnorm", "groups", 5, "affine", false),
                Map.of("type", "append-input", "weight", 0.5)),
            "model.layers");
    assertEquals(fixedLayers(0.5), parsed);
    assertEquals(parsed, LayerConfig.parseJson(LayerConfig.toJson(parsed), "saved model"));
    assertEquals(
        new LayerSpec.AppendInput(1.0),
        LayerConfig.parse(List.of(Map.of("type", "append-input")), "model.layers").get(0));
    InvalidInputException negative =
        assertThrows(
            InvalidInputException.class,
            () ->
                LayerConfig.parse(
                    List.of(Map.of("type", "append-input", "weight", -1)), "model.layers"));
    assertEquals(
        "model.layers layer 1: append-input weight must be a positive number; provided value: -1.0",
        negative.getMessage());
  }
}
