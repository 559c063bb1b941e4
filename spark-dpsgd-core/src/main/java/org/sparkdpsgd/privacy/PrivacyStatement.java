package org.sparkdpsgd.privacy;

import java.util.Locale;
import org.sparkdpsgd.util.Checks;

/**
 * A readable privacy statement for DP-SGD, in the spirit of TensorFlow Privacy's
 * compute_dp_sgd_privacy. With microbatches the sensitivity is 2C, so the accountants are charged
 * for σ/2, as compute_dp_sgd_privacy does when used_microbatching is set.
 *
 * <p>User-level DP ({@link #describeUsers}) is charged exactly like example-level DP with N
 * replaced by the number of users U: users are Poisson-sampled with rate q, each sampled user's
 * mean gradient is clipped to C as a whole (sensitivity C) and the noise is σ·C, so only the unit
 * that is protected and the wording change, never the numbers.
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
    return describe(
        samplingRate, noiseMultiplier, steps, delta, numMicrobatches, new NoOpEvent(), includePld);
  }

  /**
   * @param normalisationRelease the one-time release of the feature statistics before the first
   *     step (feature normalisation), composed with the steps into every ε as training composes it;
   *     a {@link NoOpEvent} without normalisation
   */
  public static String describe(
      double samplingRate,
      double noiseMultiplier,
      long steps,
      double delta,
      int numMicrobatches,
      DpEvent normalisationRelease,
      boolean includePld) {
    if (numMicrobatches < 0) {
      throw Checks.fail("num-microbatches", ">= 0", numMicrobatches);
    }
    double accounted = numMicrobatches > 0 ? noiseMultiplier / 2 : noiseMultiplier;
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
    if (!(normalisationRelease instanceof NoOpEvent)) {
      sb.append(
          "  plus feature normalisation: the features' statistics are released once before the"
              + " first step by "
              + describeRelease(normalisationRelease)
              + ", composed with the steps into ε\n");
    }
    appendEpsilons(sb, samplingRate, accounted, steps, delta, normalisationRelease, includePld);
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

  /**
   * The statement for user-level DP: q is the rate at which USERS are sampled per step and users is
   * their number U; ε is the example-level ε with N = U (see the class comment).
   */
  public static String describeUsers(
      double userSamplingRate,
      double noiseMultiplier,
      long steps,
      double delta,
      long users,
      boolean includePld) {
    Checks.positive("users", users);
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "DP-SGD with user sampling rate q = %.6g, noise multiplier σ = %.6g, %d steps (%.4g epochs over the users), δ = %.3g:%n",
            userSamplingRate,
            noiseMultiplier,
            steps,
            steps * userSamplingRate,
            delta));
    appendEpsilons(
        sb, userSamplingRate, noiseMultiplier, steps, delta, new NoOpEvent(), includePld);
    sb.append(
        String.format(
            Locale.ROOT,
            "Guarantee: (ε, δ)-DP for each user (add or remove all of one user's examples), %d users,"
                + " q = %.6g, expected users per step %s.%n",
            users,
            userSamplingRate,
            sixDigits(userSamplingRate * users)));
    sb.append(
        "Assumptions: Poisson sampling of users (each user in each step independently with"
            + " probability q); each sampled user's mean gradient over their examples is clipped to C"
            + " as a whole (sensitivity C, noise σ·C); add-or-remove-one-user neighbouring datasets.");
    return sb.toString();
  }

  /**
   * Null if δ &lt; 1/population, else why not: publishing one random example (or all of one random
   * user's examples) meets δ = 1/N, so a larger δ promises nothing for the protected unit.
   */
  public static String deltaWarning(double delta, long population, boolean users) {
    if (delta < 1.0 / population) {
      return null;
    }
    String n = users ? "U" : "N";
    return String.format(
        Locale.ROOT,
        "δ = %.3g is not below 1/%s = %.6g (%d %s): a mechanism that publishes %s meets such a δ;"
            + " use δ < 1/%s",
        delta,
        n,
        1.0 / population,
        population,
        users ? "users" : "examples",
        users ? "all examples of one random user" : "one random example",
        n);
  }

  /**
   * The ε lines: RDP always, PLD if asked for, both charged for the one-time release (first, as
   * training charges it) and the steps at the accounted noise multiplier.
   */
  private static void appendEpsilons(
      StringBuilder sb,
      double samplingRate,
      double accounted,
      long steps,
      double delta,
      DpEvent oneTime,
      boolean includePld) {
    RdpAccountant rdp = new RdpAccountant();
    rdp.compose(oneTime);
    rdp.compose(
        new PoissonSampledEvent(samplingRate, new GaussianEvent(accounted)),
        Math.toIntExact(steps));
    EpsilonAndOrder e = rdp.getEpsilonAndOptimalOrder(delta);
    sb.append(
        String.format(
            Locale.ROOT,
            "  ε = %s by RDP accounting (optimal Rényi order %s)%n",
            format(e.epsilon()),
            format(e.order())));
    if (includePld) {
      try {
        PrivacyAccountant pld = AccountantKind.PLD.create();
        pld.compose(oneTime);
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
  }

  /** In words for the Gaussian release training makes; any other event in its record form. */
  private static String describeRelease(DpEvent release) {
    return release instanceof GaussianEvent g
        ? "a Gaussian mechanism with noise multiplier σ_n = " + sixDigits(g.noiseMultiplier())
        : release.toString();
  }

  /** 6 significant digits without trailing zeros: "256", not "256.000". */
  public static String sixDigits(double v) {
    return new java.math.BigDecimal(v, new java.math.MathContext(6))
        .stripTrailingZeros()
        .toPlainString();
  }

  static String format(double v) {
    return Double.isInfinite(v) ? "Infinity" : String.format(Locale.ROOT, "%.6g", v);
  }
}
