package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The float tanh against Math.tanh over a sweep of floats, and its edge cases. */
class FastTanhTest {
  @Test
  void relativeErrorStaysUnderThreeUlpsEverywhere() {
    double worst = 0;
    // Every 1021st float bit pattern (a prime stride, so every mantissa region is visited) of the
    // positive floats below 12 (tanh is odd: so are we).
    for (int bits = 0x00000001; bits <= Float.floatToIntBits(12f); bits += 1021) {
      float x = Float.intBitsToFloat(bits);
      for (float v : new float[] {x, -x}) {
        double exact = Math.tanh(v);
        double got = FastTanh.tanh(v);
        assertTrue(Math.abs(got) <= 1.0, "|tanh(" + v + ")| = " + got);
        worst = Math.max(worst, Math.abs(got - exact) / Math.abs(exact));
      }
    }
    assertTrue(worst < 3.5e-7, "worst relative error " + worst);
  }

  @Test
  void saturatesAndKeepsSpecialValues() {
    // Saturated: within the same relative error of ±1 (the clamp at ±9 is where tanh rounds to 1).
    assertEquals(1f, FastTanh.tanh(1e30f), 2e-7f);
    assertEquals(-1f, FastTanh.tanh(Float.NEGATIVE_INFINITY), 2e-7f);
    assertEquals(0f, FastTanh.tanh(0f));
    assertTrue(Float.isNaN(FastTanh.tanh(Float.NaN)));
    float[] a = {0.5f, -0.25f};
    float[] g = {2f, 4f};
    float[] out = new float[2];
    FastTanh.derivativeTimes(a, g, out, 2);
    assertEquals(1.5f, out[0]);
    assertEquals(3.75f, out[1]);
  }
}
