package org.sparkdpsgd.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/** RDP pinned to dp_accounting 0.6.0 (δ = 1e-5), to 1e-9 relative. */
class RdpAccountantTest {
  static EpsilonAndOrder run(double q, double sigma, int steps, double delta) {
    RdpAccountant a = new RdpAccountant();
    a.compose(new PoissonSampledEvent(q, new GaussianEvent(sigma)), steps);
    return a.getEpsilonAndOptimalOrder(delta);
  }

  static void pinned(double q, double sigma, int steps, double eps, double order) {
    EpsilonAndOrder e = run(q, sigma, steps, 1e-5);
    assertEquals(eps, e.epsilon(), 1e-9 * eps, "ε for q=" + q + " σ=" + sigma + " T=" + steps);
    assertEquals(order, e.order(), 1e-12);
  }

  @Test
  void pinnedValuesFromDpAccounting() {
    pinned(256.0 / 60000, 1.1, 14063, 2.596655529521983, 8.1);
    pinned(256.0 / 60000, 1.3, 3516, 0.9545639531461374, 17.0);
    pinned(0.01, 1.0, 1000, 2.101366525420273, 7.8);
  }

  @Test
  void fullBatchGaussianIsExact() {
    // q = 1: RDP of the Gaussian mechanism is α/(2σ²) at every order.
    RdpAccountant a = new RdpAccountant();
    a.compose(new GaussianEvent(2.0));
    double[] orders = a.orders();
    double[] rdp = a.rdp();
    for (int i = 0; i < orders.length; i++) {
      assertEquals(orders[i] / 8.0, rdp[i], 1e-15 * orders[i]);
    }
  }

  @Test
  void integerAndFractionalOrdersAgreeNearEachOther() {
    double[] near = {6.999999, 7.0, 7.000001};
    RdpAccountant a = new RdpAccountant(near);
    a.compose(new PoissonSampledEvent(0.02, new GaussianEvent(0.9)));
    double[] r = a.rdp();
    assertEquals(r[1], r[0], 1e-5 * r[1]);
    assertEquals(r[1], r[2], 1e-5 * r[1]);
  }

  @Test
  void edgeCases() {
    assertTrue(Double.isInfinite(run(0.01, 0.0, 10, 1e-5).epsilon()), "σ = 0 gives ε = ∞");
    double zero = run(0.0, 1.0, 10, 1e-5).epsilon();
    assertTrue(zero >= 0 && zero < 0.01, "q = 0 spends (almost) nothing: " + zero);
    assertEquals(0.0, new RdpAccountant().getEpsilon(0.0));
    assertTrue(
        Double.isInfinite(run(0.01, 1.0, 10, 0.0).epsilon()),
        "δ = 0 with privacy spent gives ε = ∞");
    double million = run(1e-3, 5.0, 1_000_000, 1e-5).epsilon();
    assertTrue(Double.isFinite(million) && million > run(1e-3, 5.0, 10_000, 1e-5).epsilon());
  }

  @Test
  void deltaForEpsilonInvertsEpsilonForDelta() {
    RdpAccountant a = new RdpAccountant();
    a.compose(new PoissonSampledEvent(0.01, new GaussianEvent(1.0)), 1000);
    double eps = a.getEpsilon(1e-5);
    double delta = a.getDelta(eps);
    assertTrue(delta <= 1e-5 * (1 + 1e-6) && delta > 1e-6, "δ(ε(1e-5)) = " + delta);
  }

  @Test
  void composeValidatesBeforeChangingStateAndKeepsACompactHistory() {
    RdpAccountant a = new RdpAccountant();
    DpEvent step = new PoissonSampledEvent(0.01, new GaussianEvent(1.0));
    for (int i = 0; i < 1000; i++) {
      a.compose(step);
    }
    assertEquals(List.of(new SelfComposedEvent(step, 1000)), a.history());
    double before = a.getEpsilon(1e-5);
    DpEvent unsupported =
        new ComposedEvent(List.of(step, new PoissonSampledEvent(0.1, new NonPrivateEvent())));
    assertThrows(InvalidInputException.class, () -> a.compose(unsupported));
    assertEquals(before, a.getEpsilon(1e-5));
    assertEquals(1, a.history().size());
    a.compose(new NoOpEvent());
    assertEquals(before, a.getEpsilon(1e-5));
    assertEquals(
        run(0.01, 1.0, 1000, 1e-5).epsilon(), before, 1e-12 * before); // summing vs multiplying
    assertThrows(InvalidInputException.class, () -> new GaussianEvent(-1));
    assertThrows(
        InvalidInputException.class, () -> new PoissonSampledEvent(1.5, new GaussianEvent(1)));
  }

  @Test
  void calibrationMatchesDpAccounting() {
    double sigma =
        NoiseCalibration.calibrateNoiseMultiplier(
            3.0, 1e-5, 256.0 / 60000, 14063, AccountantKind.RDP);
    assertEquals(1.0140209571034289, sigma, 1e-6 * 1.0140209571034289);
    String m =
        assertThrows(
                InvalidInputException.class,
                () ->
                    NoiseCalibration.calibrateNoiseMultiplier(
                        1e-9, 1e-5, 1.0, 1000, AccountantKind.RDP))
            .getMessage();
    assertTrue(m.contains("unreachable"), m);
  }

  @Test
  void logNdtrIsAccurateInBothTails() {
    assertEquals(Math.log(0.5), LogMath.logNdtr(0), 1e-16);
    // Φ(-10) = 7.6198530241604696e-24; log = -53.23128515051247
    assertEquals(-53.23128515051247, LogMath.logNdtr(-10), 1e-12);
    // Φ(-30) in the asymptotic region: -450 - log(30) - log√(2π) + log(1 - 1/900 + 3/810000 - ...)
    assertEquals(-454.321243957, LogMath.logNdtr(-30), 2e-9);
    // log Φ(10) = -Φ(-10)
    assertEquals(-7.6198530241604696e-24, LogMath.logNdtr(10), 1e-36);
  }
}
