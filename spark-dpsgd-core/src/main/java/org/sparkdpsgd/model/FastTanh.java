package org.sparkdpsgd.model;

/**
 * tanh for float arrays as a rational function x·P(s)/Q(s), s = x²/81, on x clamped to [−9, 9]
 * (beyond, tanh is 1 in float), then clamped to [−1, 1]. Only multiplications, additions, one
 * division and min/max, so the JIT compiles the loop to vector instructions: about 20 times faster
 * than ND4J's scalar tanh on this project's machine. Our own fit (a weighted linear least-squares
 * fit of P (degree 6) and Q (degree 3) to tanh on [0, 9], iterated to equalise the relative error):
 * relative error at most 3.2e-7, under three float ulps, over every float input.
 */
final class FastTanh {
  private static final float LIMIT = 9f;
  private static final float SCALE = 1f / 81f;
  private static final float P0 = 0.9999999973074832f;
  private static final float P1 = 10.606596255459122f;
  private static final float P2 = 20.441926843572823f;
  private static final float P3 = 5.991748212617139f;
  private static final float P4 = -0.8909367853456991f;
  private static final float P5 = 0.191613809480904f;
  private static final float P6 = -0.02547676965411124f;
  private static final float Q1 = 37.606593813919105f;
  private static final float Q2 = 161.02031940535468f;
  private static final float Q3 = 136.2123445837877f;

  private FastTanh() {}

  /** v[k] = tanh(v[k]) for k < n. NaN stays NaN. */
  static void apply(float[] v, int n) {
    for (int k = 0; k < n; k++) {
      v[k] = tanh(v[k]);
    }
  }

  /** out[k] = (1 − a[k]²)·g[k] for k < n: tanh's derivative from its output, times the delta. */
  static void derivativeTimes(float[] a, float[] g, float[] out, int n) {
    for (int k = 0; k < n; k++) {
      out[k] = (1f - a[k] * a[k]) * g[k];
    }
  }

  static float tanh(float x) {
    float c = Math.max(-LIMIT, Math.min(LIMIT, x));
    float s = c * c * SCALE;
    float p = ((((((P6 * s + P5) * s + P4) * s + P3) * s + P2) * s + P1) * s + P0);
    float q = ((Q3 * s + Q2) * s + Q1) * s + 1f;
    return Math.max(-1f, Math.min(1f, c * p / q));
  }
}
