package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** log Φ against values computed with mpmath at 40 digits (log(ncdf(x))). */
class GaussianLogCdfTest {
  private static void assertRelative(double expected, double actual, double tolerance) {
    assertEquals(expected, actual, tolerance * Math.abs(expected), "expected " + expected);
  }

  @Test
  void matchesHighPrecisionValuesOnBothSidesOfTheSeriesSwitch() {
    assertRelative(-15.064998393988726, GaussianLogCdf.logCdf(-5), 1e-12);
    assertRelative(-454.02096130446805, GaussianLogCdf.logCdf(-29.99), 1e-12);
    assertRelative(-454.62162649784119, GaussianLogCdf.logCdf(-30.01), 1e-12);
    assertRelative(-689.03058557689059, GaussianLogCdf.logCdf(-37), 1e-12);
    assertRelative(-1254.8313611394199, GaussianLogCdf.logCdf(-50), 1e-12);
    assertRelative(-20006.21728089819, GaussianLogCdf.logCdf(-200), 1e-12);
    assertRelative(-0.0013508099647481938, GaussianLogCdf.logCdf(3), 1e-12);
    assertEquals(Math.log(0.5), GaussianLogCdf.logCdf(0), 1e-15);
  }

  @Test
  void inverseMillsRatioIsTheDerivativeOfLogPhi() {
    for (double x : new double[] {-60, -29.9, -3, 0, 2, 8}) {
      double h = 1e-5 * Math.max(1, Math.abs(x));
      double slope = (GaussianLogCdf.logCdf(x + h) - GaussianLogCdf.logCdf(x - h)) / (2 * h);
      assertEquals(slope, GaussianLogCdf.inverseMillsRatio(x), 1e-6 * Math.max(1, Math.abs(x)));
    }
  }
}
