package org.sparkdpsgd.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * PLD pinned to dp_accounting 0.6.0 (value discretisation interval 1e-4, δ = 1e-5). The issue asks
 * for 1e-3; we measured agreement to about 1e-8, and pin 1e-6 so a regression shows.
 */
class PldAccountantTest {
  @Test
  void singleGaussianMatchesTheExactValue() {
    double eps = new PldAccountant().compose(new GaussianEvent(1.0)).getEpsilon(1e-5);
    assertEquals(4.3771781000473124, eps, 1e-6);
    assertEquals(4.377178095681133, eps, 1e-6); // the exact Gaussian ε
    double fullBatch =
        new PldAccountant()
            .compose(new PoissonSampledEvent(1.0, new GaussianEvent(1.0)))
            .getEpsilon(1e-5);
    assertEquals(eps, fullBatch, 1e-12);
  }

  @Test
  void dpSgdMnistSettingMatchesDpAccountingAndBeatsRdp() {
    DpEvent step = new PoissonSampledEvent(256.0 / 60000, new GaussianEvent(1.1));
    double pld = new PldAccountant().compose(step, 14063).getEpsilon(1e-5);
    assertEquals(2.3817788079120428, pld, 1e-6);
    double rdp = new RdpAccountant().compose(step, 14063).getEpsilon(1e-5);
    assertTrue(pld < rdp, "PLD " + pld + " tighter than RDP " + rdp);
  }

  @Test
  void calibrationWithPld() {
    double sigma =
        NoiseCalibration.calibrateNoiseMultiplier(
            3.0, 1e-5, 256.0 / 60000, 14063, AccountantKind.PLD);
    assertEquals(0.9684398558133235, sigma, 1e-6 * 0.9684398558133235);
  }

  @Test
  void deltaAndEpsilonAreConsistentAndEventsAreValidatedFirst() {
    PldAccountant a = new PldAccountant();
    a.compose(new PoissonSampledEvent(0.01, new GaussianEvent(1.0)), 500);
    double eps = a.getEpsilon(1e-5);
    assertEquals(1e-5, a.getDelta(eps), 1e-8);
    assertThrows(InvalidInputException.class, () -> a.compose(new NonPrivateEvent()));
    assertEquals(eps, a.getEpsilon(1e-5));
    assertTrue(
        Double.isInfinite(new PldAccountant().compose(new GaussianEvent(0)).getEpsilon(1e-5)));
  }
}
