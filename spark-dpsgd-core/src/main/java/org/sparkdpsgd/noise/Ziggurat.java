package org.sparkdpsgd.noise;

import org.sparkdpsgd.util.CryptoRandom;

/**
 * Standard normal variates by the ziggurat method (Marsaglia and Tsang, 2000) with 256 layers, on
 * 64-bit words of a {@link CryptoRandom} stream.
 *
 * <p>The method. The area under f(x) = exp(-x²/2), x ≥ 0, is covered by 256 layers of equal area v.
 * Layer i ≥ 1 is the rectangle [0, X[i]] × [Y[i], Y[i+1]]; layer 0 is the strip [0, R] × [0, f(R)]
 * plus the tail {x > R, y < f(x)}, drawn as if it were a rectangle of width X[0] = v / f(R). One
 * word w gives the layer i (bits 0-7), the sign (bit 8) and a uniform U on {k·2^-52} (bits 12-63);
 * x = U·X[i]. If x < X[i+1], the whole column above x in layer i lies under the curve, and x is
 * returned: 99% of draws, one word, one multiply and one compare. Otherwise, in layer 0, a value is
 * drawn from the tail beyond R (Marsaglia 1964: x = -ln(U1)/R and e = -ln(U2) until 2e > x², then R
 * + x); in layers i ≥ 1 a height y uniform on [Y[i], Y[i+1]] is drawn from a fresh word and x is
 * returned if y < f(x), else everything is drawn again from a fresh word.
 *
 * <p>Why it is exact. A uniform point of the union of the layers, kept only if it is under the
 * curve, has an x whose density is proportional to f: choosing the layer uniformly is choosing a
 * uniform point because the layers have equal areas, and the tail draw is an exact rejection
 * sampler of f restricted to x > R, whose probability X[0] - R over X[0] is the tail's share (1 -
 * R·f(R)/v) of the layer. This holds because (1) the layer, the sign and U come from disjoint bits
 * of one word (Doornik 2005: taking the layer from bits of U correlates them and distorts the
 * output) and every further uniform from a fresh word; (2) a rejected wedge point restarts the
 * whole draw; (3) the tables are built once, in double, with StrictMath (the same on every JVM):
 * Y[i+1] = Y[i] + v/X[i] makes every layer's area v to rounding, the last layer's top Y[256] is at
 * least 1 (R is the largest double for which it is, found by bisection; the excess above the curve
 * is rejected like any wedge point), and X[i+1] is the largest double with f(X[i+1]) ≥ Y[i+1], so
 * the quick-accept columns are under the curve. What remains is rounding: about 1e-16 of
 * probability per layer from the tables and the 2^-52 grid of the uniforms, far below the 2^-40
 * relative grid that {@link SecureGaussianNoise} snaps to, and far below anything a statistical
 * test can see (see ZigguratTest).
 *
 * <p>Why a ziggurat. The polar method it replaces needed 2.5 uniforms, a logarithm, a square root
 * and a division per pair of values; here a value costs one 64-bit word and a table look-up in
 * almost all cases, which made {@code sample(203530, σ)} about 5 times cheaper.
 */
final class Ziggurat {
  static final int LAYERS = 256;

  /**
   * The bits of 1.0: with 52 random bits as its fraction, a uniform double on [1, 2), and minus 1
   * (exactly) a uniform on {k·2^-52}. Converting a long instead ({@code (bits >>> 11) * 0x1.0p-53})
   * doubled the cost of a value: x86's long-to-double instruction waits on its target register's
   * previous value, which chains every value's conversion to the one before.
   */
  private static final long ONE_BITS = 0x3FF0000000000000L;

  /** X[i]: the right edge of layer i; X[0] = v / f(R), X[1] = R, X[256] = 0. */
  private static final double[] X = new double[LAYERS + 1];

  /** Y[i]: the bottom of layer i (Y[0] = 0, Y[i] = f(X[i]) to rounding); Y[256] ≥ 1, the top. */
  private static final double[] Y = new double[LAYERS + 1];

  /** Where the tail starts: about 3.6542. */
  static final double R;

  /** The area of each layer: about 0.0049287. */
  static final double AREA;

  static {
    double lo = 3; // too few layers' worth of area reaching the top: the top is above 1
    double hi = 4; // the top is below 1
    if (!(buildTables(lo) >= 1) || buildTables(hi) >= 1) {
      throw new AssertionError("ziggurat bracket");
    }
    while (true) {
      double mid = lo + (hi - lo) / 2;
      if (mid == lo || mid == hi) {
        break;
      }
      if (buildTables(mid) >= 1) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    R = lo;
    AREA = tableArea(R);
    buildTables(R);
  }

  private Ziggurat() {}

  /**
   * The standard normal variate that the word {@code bits} gives, drawing from {@code random} only
   * for the rare wedge and tail cases, or NaN if the word's point is above the curve: then the
   * caller draws again with a fresh word (a fresh height alone would bias x).
   */
  static double fromWord(long bits, CryptoRandom random) {
    int i = (int) bits & (LAYERS - 1);
    double x = (Double.longBitsToDouble(ONE_BITS | (bits >>> 12)) - 1) * X[i];
    if (x >= X[i + 1]) {
      x = i == 0 ? tail(random) : wedge(random, i, x);
    }
    // Bit 8 flips the sign bit: a branch on it would be mispredicted half the time.
    return Double.longBitsToDouble(Double.doubleToRawLongBits(x) ^ ((bits & 0x100L) << 55));
  }

  /** A standard normal variate. */
  static double next(CryptoRandom random) {
    double z;
    do {
      z = fromWord(random.nextLong(), random);
    } while (Double.isNaN(z));
    return z;
  }

  /** x if a uniform height in layer i is under the curve at x, else NaN. */
  private static double wedge(CryptoRandom random, int i, double x) {
    double y = Y[i] + random.nextDouble() * (Y[i + 1] - Y[i]);
    return y < Math.exp(-0.5 * x * x) ? x : Double.NaN;
  }

  /** A variate of the normal conditioned on x > R (Marsaglia 1964). */
  static double tail(CryptoRandom random) {
    double x;
    double e;
    do {
      // Exponential with rate R, kept with probability exp(-x²/2): density ∝ exp(-(R + x)²/2).
      x = -Math.log(random.nextDoubleOpenZero()) / R;
      e = -Math.log(random.nextDoubleOpenZero());
    } while (e + e <= x * x);
    return R + x;
  }

  static double x(int i) {
    return X[i];
  }

  static double y(int i) {
    return Y[i];
  }

  /** v(r) = r·f(r) + the area under f beyond r. */
  static double tableArea(double r) {
    return r * StrictMath.exp(-0.5 * r * r) + tailArea(r);
  }

  /**
   * The area under f beyond r > 0: f(r) times Mills' ratio, from Laplace's continued fraction 1/(r
   * + 1/(r + 2/(r + 3/(r + ...)))), evaluated from the bottom; 300 terms are far more than double
   * precision needs at r ≈ 3.65.
   */
  static double tailArea(double r) {
    double t = r;
    for (int k = 300; k >= 1; k--) {
      t = r + k / t;
    }
    return StrictMath.exp(-0.5 * r * r) / t;
  }

  /**
   * Fills the tables for a tail start r and returns the top of the last layer, Y[256] (or the top
   * of an earlier layer that already reaches 1, when r is too small).
   */
  private static double buildTables(double r) {
    double v = tableArea(r);
    Y[0] = 0;
    Y[1] = StrictMath.exp(-0.5 * r * r);
    X[0] = v / Y[1];
    X[1] = r;
    for (int i = 1; i < LAYERS; i++) {
      double top = Y[i] + v / X[i];
      Y[i + 1] = top;
      if (i + 1 == LAYERS) {
        X[LAYERS] = 0;
        return top;
      }
      if (top >= 1) {
        return top;
      }
      double x = StrictMath.sqrt(-2 * StrictMath.log(top));
      while (StrictMath.exp(-0.5 * x * x) < top) {
        x = Math.nextDown(x);
      }
      X[i + 1] = x;
    }
    throw new AssertionError("unreachable");
  }
}
