package org.sparkdpsgd.privacy;

import java.util.Locale;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The smallest noise multiplier σ such that T Poisson-sampled Gaussian steps with rate q are
 * (target ε, δ)-DP. ε(σ) decreases in σ, so we bracket and bisect (as dp_accounting's
 * calibrate_dp_mechanism does with brentq) to a relative width of 1e-12, returning the upper end of
 * the bracket: its ε never exceeds the target. A one-time event released beside the steps (such as
 * a private release of feature statistics) is composed with them: σ then buys what the target ε
 * leaves after it.
 */
public final class NoiseCalibration {
  private static final double MAX_SIGMA = 1e6;

  private NoiseCalibration() {}

  public static double calibrateNoiseMultiplier(
      double targetEpsilon, double delta, double samplingRate, long steps, AccountantKind kind) {
    return calibrateNoiseMultiplier(
        targetEpsilon, delta, samplingRate, steps, kind, new NoOpEvent());
  }

  /**
   * The smallest σ such that {@code once} composed with T Poisson-sampled Gaussian steps of rate q
   * is (target ε, δ)-DP.
   */
  public static double calibrateNoiseMultiplier(
      double targetEpsilon,
      double delta,
      double samplingRate,
      long steps,
      AccountantKind kind,
      DpEvent once) {
    Checks.positive("target epsilon", targetEpsilon);
    Checks.openProbability("delta", delta);
    Checks.probability("sampling rate", samplingRate);
    Checks.positive("steps", steps);
    if (steps > Integer.MAX_VALUE) {
      throw Checks.fail("steps", "<= " + Integer.MAX_VALUE, steps);
    }
    double lo = 0;
    double hi = 1;
    while (epsilon(hi, delta, samplingRate, steps, kind, once) > targetEpsilon) {
      lo = hi;
      hi *= 2;
      if (hi > MAX_SIGMA) {
        throw new InvalidInputException(
            String.format(
                Locale.ROOT,
                "target epsilon %g is unreachable at delta %g with sampling rate %g over %d steps%s "
                    + "(even noise multiplier %g gives more); raise the target epsilon or delta, or train fewer steps",
                targetEpsilon,
                delta,
                samplingRate,
                steps,
                once instanceof NoOpEvent ? "" : " after the one-time release " + once,
                MAX_SIGMA));
      }
    }
    while (hi - lo > 1e-12 * hi) {
      double mid = 0.5 * (lo + hi);
      if (epsilon(mid, delta, samplingRate, steps, kind, once) > targetEpsilon) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  private static double epsilon(
      double sigma, double delta, double q, long steps, AccountantKind kind, DpEvent once) {
    DpEvent run =
        new SelfComposedEvent(new PoissonSampledEvent(q, new GaussianEvent(sigma)), (int) steps);
    return kind.create()
        .compose(once instanceof NoOpEvent ? run : new ComposedEvent(java.util.List.of(once, run)))
        .getEpsilon(delta);
  }
}
