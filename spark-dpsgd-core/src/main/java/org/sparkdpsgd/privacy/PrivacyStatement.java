package org.sparkdpsgd.privacy;

import java.util.Locale;

/**
 * A readable privacy statement for DP-SGD, in the spirit of TensorFlow Privacy's
 * compute_dp_sgd_privacy. With microbatches the sensitivity is 2C, so the accountants are charged
 * for σ/2, as compute_dp_sgd_privacy does when used_microbatching is set.
 */
public final class PrivacyStatement {
  private PrivacyStatement() {}

  public static String describe(
      double samplingRate, double noiseMultiplier, long steps, double delta, boolean includePld) {
    return describe(samplingRate, noiseMultiplier, steps, delta, 0, includePld);
  }

  /**
   * @param numMicrobatches M microbatches per step (TF Privacy's num_microbatches), or 0 for
   *     per-example clipping
   */
  public static String describe(
      double samplingRate,
      double noiseMultiplier,
      long steps,
      double delta,
      int numMicrobatches,
      boolean includePld) {
    if (numMicrobatches < 0) {
      throw org.sparkdpsgd.util.Checks.fail("num-microbatches", ">= 0", numMicrobatches);
    }
    double accounted = numMicrobatches > 0 ? noiseMultiplier / 2 : noiseMultiplier;
    RdpAccountant rdp = new RdpAccountant();
    rdp.compose(
        new PoissonSampledEvent(samplingRate, new GaussianEvent(accounted)),
        Math.toIntExact(steps));
    EpsilonAndOrder e = rdp.getEpsilonAndOptimalOrder(delta);
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "DP-SGD with sampling rate q = %.6g, noise multiplier σ = %.6g, %d steps (%.4g epochs), δ = %.3g:%n",
            samplingRate,
            noiseMultiplier,
            steps,
            steps * samplingRate,
            delta));
    if (numMicrobatches > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              "  %d microbatches per step: each microbatch's mean gradient is clipped to C and the"
                  + " noise is σ·C, but adding or removing one example can move one clipped mean by 2C"
                  + " (sensitivity 2C), so it is accounted as noise multiplier σ/2 = %.6g%n",
              numMicrobatches,
              accounted));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "  ε = %s by RDP accounting (optimal Rényi order %s)%n",
            format(e.epsilon()),
            format(e.order())));
    if (includePld) {
      try {
        PrivacyAccountant pld = AccountantKind.PLD.create();
        pld.compose(
            new PoissonSampledEvent(samplingRate, new GaussianEvent(accounted)),
            Math.toIntExact(steps));
        sb.append(
            String.format(
                Locale.ROOT, "  ε = %s by PLD accounting%n", format(pld.getEpsilon(delta))));
      } catch (org.sparkdpsgd.util.InvalidInputException unavailable) {
        sb.append("  (PLD accounting: ").append(unavailable.getMessage()).append(")\n");
      }
    }
    sb.append(
        "Assumptions: Poisson sampling (each example in each step independently with probability q), "
            + "example-level privacy, add-or-remove-one neighbouring datasets");
    sb.append(
        numMicrobatches > 0
            ? "; each sampled example joins one of the "
                + numMicrobatches
                + " microbatches uniformly at random, independently of the data."
            : ".");
    return sb.toString();
  }

  static String format(double v) {
    return Double.isInfinite(v) ? "Infinity" : String.format(Locale.ROOT, "%.6g", v);
  }
}
