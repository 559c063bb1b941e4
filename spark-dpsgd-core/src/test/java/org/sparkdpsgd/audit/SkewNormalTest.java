package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The skew-normal's log-CDF against closed forms (α = 0 is Φ, α = 1 is Φ²), values integrated with
 * mpmath at 50 digits, and its own density by finite differences.
 */
class SkewNormalTest {
  private static void assertRelative(
      double expected, double actual, double tolerance, String what) {
    assertEquals(expected, actual, tolerance * Math.abs(expected), what);
  }

  @Test
  void shapeZeroIsTheNormalDistribution() {
    for (double z : new double[] {-45, -12, -1, 0, 0.7, 4}) {
      assertRelative(GaussianLogCdf.logCdf(z), SkewNormal.standardLogCdf(z, 0), 1e-10, "z = " + z);
    }
  }

  /** 2 φ(t) Φ(t) is the derivative of Φ(t)², so F(z; 1) = Φ(z)²; likewise F(z; -1) = 1 - Φ(-z)². */
  @Test
  void shapeOneIsPhiSquared() {
    for (double z : new double[] {-40, -8, -1, 0, 0.5, 3}) {
      assertRelative(
          2 * GaussianLogCdf.logCdf(z), SkewNormal.standardLogCdf(z, 1), 1e-10, "z = " + z);
      // 1 - Φ(-z)² = Φ(z) (1 + Φ(-z)), which keeps its digits when Φ(-z) is near 1.
      double reference = GaussianLogCdf.logCdf(z) + Math.log1p(Math.exp(GaussianLogCdf.logCdf(-z)));
      assertRelative(reference, SkewNormal.standardLogCdf(z, -1), 1e-10, "z = " + z);
    }
  }

  /**
   * mpmath at 50 digits: log(quad(2 npdf(t) ncdf(a t), [-inf, ..., z])), with 400 breakpoints
   * spaced by the integrand's decay length near z (with only a few, quad was off by up to 1e-3 in
   * the deep tails; these values agree with 4x denser breakpoints to 16 digits); above the mode, 1
   * minus the integral from z to infinity.
   */
  @Test
  void matchesHighPrecisionIntegralsDeepInTheTails() {
    double[][] zShapeLogCdf = {
      {-3, 4, -84.0810302099021297},
      {-20, 4, -3411.35615226926553},
      {-40, 2, -4010.82547994339839},
      {-1, 50, -1263.38239682757535},
      {-10, -3, -52.538137969952525},
      {2, 10, -0.046567912292390164},
      {0.5, -2, -0.025703863435676376},
      {1.3, 0.7, -0.18766329649373649},
      {1, -0.5, -0.075290378894860117},
    };
    for (double[] c : zShapeLogCdf) {
      assertRelative(
          c[2], SkewNormal.standardLogCdf(c[0], c[1]), 1e-9, "z = " + c[0] + ", shape " + c[1]);
    }
  }

  @Test
  void locationAndScaleStandardise() {
    SkewNormal d = new SkewNormal(2, 3, 4);
    assertRelative(-84.0810302099021297, d.logCdf(2 + 3 * -3), 1e-9, "logCdf");
    assertEquals(84.0810302099021297 / Math.log(2), d.lowerTailBits(-7), 1e-7);
  }

  @Test
  void lowerAndUpperTailsAddUpToOne() {
    for (double z : new double[] {-2, -0.3, 0, 0.4, 1.7}) {
      for (double a : new double[] {-7, -0.5, 3}) {
        double total =
            Math.exp(SkewNormal.standardLogCdf(z, a)) + Math.exp(SkewNormal.standardLogCdf(-z, -a));
        assertEquals(1, total, 1e-11, "z = " + z + ", shape " + a);
      }
    }
  }

  @Test
  void densityIsTheCdfsDerivativeAndIntegratesToOne() {
    SkewNormal d = new SkewNormal(-1, 0.5, -3);
    for (double x : new double[] {-3, -1.5, -1, -0.8, -0.2}) {
      double h = 1e-4;
      double slope = (Math.exp(d.logCdf(x + h)) - Math.exp(d.logCdf(x - h))) / (2 * h);
      assertEquals(Math.exp(d.logDensity(x)), slope, 1e-7, "x = " + x);
    }
    double mass =
        new IterativeLegendreGaussIntegrator(16, 1e-12, 1e-14)
            .integrate(1_000_000, x -> Math.exp(d.logDensity(x)), -8, 3);
    assertEquals(1, mass, 1e-10);
  }

  @Test
  void rejectsANonPositiveScale() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> new SkewNormal(0, -1, 0));
    assertEquals("scale must be > 0 and finite; provided value: -1.0", e.getMessage());
  }
}
