package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** model.input-norm = per-example: each row standardised by its own mean and deviation only. */
class InputNormTest {
  private static final int DIM = 12;

  @Test
  void theNetworkStartsWithAParameterFreeGroupNormOfOneGroup() {
    ModelSpec plain = ModelSpec.mlp(DIM, new int[] {8}, Activation.TANH, 3);
    ModelSpec normed = ModelSpec.mlp(DIM, new int[] {8}, Activation.TANH, true, 3);
    assertEquals(new LayerSpec.GroupNorm(1, false), normed.layers().get(0));
    assertEquals(plain.layers(), normed.layers().subList(1, normed.layers().size()));
    assertEquals(plain.numParams(), normed.numParams());
    // computed once per example when the data is cached; the steps train the plain MLP on it
    assertEquals(1, normed.fixedLayers());
    assertEquals(plain.layers(), normed.trainable().layers());
    assertEquals(0, plain.fixedLayers());
  }

  /**
   * Brightness and contrast (x → a·x + b, a > 0) leave the normalised model's outputs unchanged,
   * and change the plain one's: the row's own statistics, and only those, are taken out.
   */
  @Test
  void outputsAreBlindToEachRowsScaleAndShiftOnlyWithInputNorm() {
    SplittableRandom rng = new SplittableRandom(5);
    ModelSpec normed = ModelSpec.mlp(DIM, new int[] {8}, Activation.TANH, true, 3);
    double[] params = new double[normed.numParams()];
    for (int k = 0; k < params.length; k++) {
      params[k] = rng.nextGaussian();
    }
    float[] rows = new float[2 * DIM];
    float[] moved = new float[2 * DIM];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = (float) rng.nextDouble();
      // each row its own contrast and brightness
      moved[i] = i < DIM ? 3f * rows[i] + 2f : 0.5f * rows[i] - 7f;
    }
    // Equal up to GroupNorm's ε = 1e-5 inside the square root: a row's variance here is ≈ 1/12
    // times a², so the scale moves by ≈ ε / (2 var) ≤ 3e-4 relative, on logits of size ≈ 5.
    assertArrayEquals(logits(normed, params, rows), logits(normed, params, moved), 5e-3);
    ModelSpec plain = ModelSpec.mlp(DIM, new int[] {8}, Activation.TANH, 3);
    double[] a = logits(plain, params, rows);
    double[] b = logits(plain, params, moved);
    double largest = 0;
    for (int k = 0; k < a.length; k++) {
      largest = Math.max(largest, Math.abs(a[k] - b[k]));
    }
    assertTrue(largest > 0.1, "the plain MLP should see the change: " + largest);
  }

  private static double[] logits(ModelSpec spec, double[] params, float[] rows) {
    Network net = new Network(spec, params, DataType.DOUBLE);
    return net.logits(net.input(rows, rows.length / DIM)).dup().data().asDouble();
  }
}
