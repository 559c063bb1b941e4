package org.sparkdpsgd.privacy;

import java.util.Locale;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The smallest noise multiplier σ such that T Poisson-sampled Gaussian steps with rate q are
 * (target ε, δ)-DP. ε(σ) decreases in σ, so we bracket and bisect (as dp_accounting's
 * calibrate_dp_mechanism does with brentq) to a relative width of 1e-12, returning the upper end of
 * the bracket: its ε never exceeds the target.
 */
public final class NoiseCalibration {
  private static final double MAX_SIGMA = 1e6;

  private NoiseCalibration() {}

  public static double calibrateNoiseMultiplier(
      double targetEpsilon, double delta, double samplingRate, long steps, AccountantKind kind) {
    Checks.positive("target epsilon", targetEpsilon);
    Checks.openProbability("delta", delta);
    Checks.probability("sampling rate", samplingRate);
    Checks.positive("steps", steps);
    if (steps > Integer.MAX_VALUE) {
      throw Checks.fail("steps", "<= " + Integer.MAX_VALUE, steps);
    }
    double lo = 0;
    double hi = 1;
    while (epsilon(hi, delta, samplingRate, steps, kind) > targetEpsilon) {
      lo = hi;
      hi *= 2;
      if (hi > MAX_SIGMA) {
        throw new InvalidInputException(
            String.format(
                Locale.ROOT,
                "target epsilon %g is unreachable at delta %g with sampling rate %g over %d steps "
                    + "(even noise multiplier %g gives more); raise the target epsilon or delta, or train fewer steps",
                targetEpsilon,
                delta,
                samplingRate,
                steps,
                MAX_SIGMA));
      }
    }
    while (hi - lo > 1e-12 * hi) {
      double mid = 0.5 * (lo + hi);
      if (epsilon(mid, delta, samplingRate, steps, kind) > targetEpsilon) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  private static double epsilon(
      double sigma, double delta, double q, long steps, AccountantKind kind) {
    return kind.create()
        .compose(
            new SelfComposedEvent(
                new PoissonSampledEvent(q, new GaussianEvent(sigma)), (int) steps))
        .getEpsilon(delta);
  }
}
