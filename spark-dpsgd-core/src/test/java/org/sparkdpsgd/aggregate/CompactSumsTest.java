package org.sparkdpsgd.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The wire form of a task's sums is lossless, and half the size when the sums are floats; an
 * aggregator keeps its sums through it.
 */
class CompactSumsTest {
  @Test
  void floatValuedSumsTravelAsFloatsBitForBit() throws Exception {
    SplittableRandom rng = new SplittableRandom(3);
    double[] sums = new double[10_000];
    for (int k = 0; k < sums.length; k++) {
      sums[k] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-30, 30)));
    }
    sums[0] = -0.0;
    sums[1] = Float.MIN_VALUE;
    sums[2] = Float.MAX_VALUE;
    byte[] wire = write(sums);
    assertArrayEquals(sums, read(wire), 0.0);
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(read(wire)[0]));
    assertTrue(wire.length < 4 * sums.length + 200, wire.length + " bytes");
  }

  @Test
  void sumsThatAreNotFloatsTravelAsDoubles() throws Exception {
    double[] sums = {1.0, 0.1, Math.PI, 1e300, Double.NaN, 5e-324};
    byte[] wire = write(sums);
    double[] back = read(wire);
    for (int k = 0; k < sums.length; k++) {
      assertEquals(Double.doubleToRawLongBits(sums[k]), Double.doubleToRawLongBits(back[k]));
    }
    assertTrue(wire.length >= 8 * sums.length);
    assertNull(read(write(null)));
  }

  /** A task's float sums go as they are, and come back as floats (or widened, exactly). */
  @Test
  void floatArraysTravelAsTheyAre() throws Exception {
    float[] sums = {1f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, 0.1f, Float.NaN};
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(CompactSums.size(sums));
    CompactSums.put(sums, b);
    assertEquals(0, b.remaining(), "size() is exact");
    CompactSums.Read back = CompactSums.read(java.nio.ByteBuffer.wrap(b.array()));
    assertNull(back.doubles());
    for (int k = 0; k < sums.length; k++) {
      assertEquals(Float.floatToRawIntBits(sums[k]), Float.floatToRawIntBits(back.floats()[k]));
    }
    double[] wide = read(b.array());
    for (int k = 0; k < sums.length; k++) {
      assertEquals(Double.doubleToRawLongBits(sums[k]), Double.doubleToRawLongBits(wide[k]));
    }
  }

  /** Rounding floats into existing sums gives the integers of rounding them alone and adding. */
  @Test
  void floatsRoundedIntoSumsEqualTheirRoundedCopyAdded() {
    SplittableRandom rng = new SplittableRandom(8);
    double unit = StepContext.fixedPointUnit(1.0, 60_000);
    float[] a = new float[1000];
    float[] b = new float[1000];
    for (int k = 0; k < a.length; k++) {
      a[k] = (float) (rng.nextGaussian() * Math.pow(2, rng.nextInt(-60, 8)));
      b[k] = (float) (rng.nextGaussian() * Math.pow(2, rng.nextInt(-60, 8)));
    }
    double[] fused = rounded(a, unit).addRounded(b).toDoubles();
    double[] separate = rounded(a, unit).add(rounded(b, unit)).toDoubles();
    double[] widened = new double[b.length];
    for (int k = 0; k < b.length; k++) {
      widened[k] = b[k];
    }
    assertArrayEquals(separate, fused, 0.0);
    assertArrayEquals(ExactSum.of(widened, unit).toDoubles(), rounded(b, unit).toDoubles(), 0.0);
  }

  /** The form as a byte array; its size is what {@code size} said it would be. */
  private static byte[] write(double[] values) {
    boolean narrow = values != null && CompactSums.allFloats(values);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(CompactSums.size(values, narrow));
    CompactSums.put(values, narrow, b);
    assertEquals(0, b.remaining(), "size() is exact");
    return b.array();
  }

  /** Either form read back as doubles (floats widened, exactly). */
  private static double[] read(byte[] wire) throws Exception {
    CompactSums.Read r = CompactSums.read(java.nio.ByteBuffer.wrap(wire));
    if (r.floats() == null) {
      return r.doubles();
    }
    double[] wide = new double[r.floats().length];
    for (int k = 0; k < wide.length; k++) {
      wide[k] = r.floats()[k];
    }
    return wide;
  }

  private static ExactSum rounded(float[] values, double unit) {
    return ExactSum.zeros(values.length, unit).addRounded(values);
  }

  /** An aggregator through the wire: a task's (unrounded) and a merged one (exact sums). */
  @Test
  void aggregatorsThroughTheWireKeepTheirSumsBitForBit() throws Exception {
    org.sparkdpsgd.model.ModelSpec spec =
        org.sparkdpsgd.model.ModelSpec.mlp(
            4, new int[] {3}, org.sparkdpsgd.model.Activation.TANH, 2);
    StepContext ctx =
        new StepContext(
            spec, 0.5, 0.5, org.sparkdpsgd.sampling.SamplingKey.forTesting(1), 3, false, 100);
    double[] params = spec.initialParams(2);
    java.util.function.Supplier<double[]> w =
        (java.util.function.Supplier<double[]> & java.io.Serializable) () -> params;
    float[] x = new float[40 * 4];
    int[] y = new int[40];
    for (int k = 0; k < x.length; k++) {
      x[k] = (float) rng.nextGaussian();
    }
    for (int k = 0; k < y.length; k++) {
      y[k] = k % 2;
    }
    org.sparkdpsgd.data.ExampleBlock a = new org.sparkdpsgd.data.ExampleBlock(0, 40, 4, x, y);
    org.sparkdpsgd.data.ExampleBlock c = new org.sparkdpsgd.data.ExampleBlock(1, 40, 4, x, y);
    ClippedGradientAggregator task = new ClippedGradientAggregator(ctx, w).add(a);
    ClippedGradientAggregator merged =
        new ClippedGradientAggregator(ctx, w)
            .add(a)
            .merge(new ClippedGradientAggregator(ctx, w).add(c));
    for (ClippedGradientAggregator original : new ClippedGradientAggregator[] {task, merged}) {
      ClippedGradientAggregator back = ClippedGradientAggregator.fromWire(ctx, original.toWire());
      assertArrayEquals(original.gradientSum(), back.gradientSum(), 0.0);
      assertEquals(original.lossSum(), back.lossSum(), 0.0);
      assertTrue(original.lossSum() > 0);
    }
  }

  private final SplittableRandom rng = new SplittableRandom(9);
}
