package org.sparkdpsgd.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.SamplingKey;

/**
 * A block whose sample mixes ordinary rows with rows beyond the float-safe magnitude: the extreme
 * rows are computed in double, the others in float, and every row is counted exactly once. The
 * block's clipped sum must equal the sum of its rows computed one at a time in double, up to float
 * rounding of the ordinary rows.
 */
class MixedPrecisionRowsTest {
  private static final ModelSpec SPEC = ModelSpec.mlp(6, new int[] {5}, Activation.TANH, 3);

  @Test
  void everyRowCountsOnceWhateverItsPrecision() {
    SplittableRandom rng = new SplittableRandom(5);
    double[] params = new double[SPEC.numParams()];
    for (int k = 0; k < params.length; k++) {
      params[k] = rng.nextGaussian() * 0.5;
    }
    int rows = 7;
    float[] x = new float[rows * 6];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < 6; j++) {
        x[i * 6 + j] = (float) rng.nextGaussian();
      }
      y[i] = rng.nextInt(3);
    }
    x[1 * 6 + 2] = 3e20f; // rows 1 and 4: beyond the float-safe magnitude
    x[4 * 6 + 0] = -1e13f;
    assertFalse(ClippedBatches.floatSafe(x, 6, 6));
    assertFalse(ClippedBatches.floatSafe(x, 24, 6));
    assertTrue(ClippedBatches.floatSafe(x, 0, 6));
    assertFalse(ClippedBatches.floatSafe(new float[] {Float.NaN}, 0, 1));
    assertTrue(
        ClippedBatches.floatSafe(new float[] {(float) ClippedBatches.FLOAT_SAFE_MAGNITUDE}, 0, 1));

    double[] whole = sum(new ExampleBlock(0, rows, 6, x, y), params, false);
    double[] oneByOne = new double[SPEC.numParams()];
    for (int i = 0; i < rows; i++) {
      float[] xi = new float[6];
      System.arraycopy(x, i * 6, xi, 0, 6);
      double[] s = sum(new ExampleBlock(0, 1, 6, xi, new int[] {y[i]}), params, true);
      for (int k = 0; k < s.length; k++) {
        oneByOne[k] += s[k];
      }
    }
    for (int k = 0; k < whole.length; k++) {
      assertEquals(oneByOne[k], whole[k], 1e-5 * (1 + Math.abs(oneByOne[k])), "parameter " + k);
    }
  }

  /** The clipped sum of every row of the block, in float (as trained) or all in double. */
  private static double[] sum(ExampleBlock block, double[] params, boolean allDouble) {
    StepContext ctx = new StepContext(SPEC, 1.0, 1.0, SamplingKey.forTesting(1), 1, allDouble, 100);
    Supplier<double[]> weights = (Supplier<double[]> & Serializable) () -> params;
    return new ClippedGradientAggregator(ctx, weights).add(block).gradientSum();
  }
}
