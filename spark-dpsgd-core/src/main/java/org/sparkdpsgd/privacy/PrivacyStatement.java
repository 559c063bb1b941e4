package org.sparkdpsgd.privacy;

import java.util.Locale;

/**
 * A readable privacy statement for DP-SGD, in the spirit of TensorFlow Privacy's
 * compute_dp_sgd_privacy.
 */
public final class PrivacyStatement {
  private PrivacyStatement() {}

  public static String describe(
      double samplingRate, double noiseMultiplier, long steps, double delta, boolean includePld) {
    RdpAccountant rdp = new RdpAccountant();
    rdp.compose(
        new PoissonSampledEvent(samplingRate, new GaussianEvent(noiseMultiplier)),
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
            new PoissonSampledEvent(samplingRate, new GaussianEvent(noiseMultiplier)),
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
            + "example-level privacy, add-or-remove-one neighbouring datasets.");
    return sb.toString();
  }

  static String format(double v) {
    return Double.isInfinite(v) ? "Infinity" : String.format(Locale.ROOT, "%.6g", v);
  }
}
