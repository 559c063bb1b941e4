package org.sparkdpsgd.train;

import java.io.Serializable;

/**
 * The privacy guarantee of a trained model: (ε, δ)-DP with respect to adding or removing one
 * training example, for Poisson sampling with rate q, σ and C as given, over the given steps.
 */
public record PrivacyReport(
    double epsilon,
    double delta,
    String accountant,
    double noiseMultiplier,
    double l2NormClip,
    double samplingRate,
    double expectedBatchSize,
    long steps,
    double epochs,
    long trainExamples,
    boolean secureNoise,
    boolean nonPrivate)
    implements Serializable {

  /** The neighbouring relation the guarantee is for (example-level, add or remove one). */
  public static final String NEIGHBOURING = "add-or-remove-one-example";

  public String neighbouring() {
    return NEIGHBOURING;
  }

  public String summary() {
    if (nonPrivate) {
      return "NO PRIVACY GUARANTEE: trained without clipping and noise";
    }
    return String.format(
        java.util.Locale.ROOT,
        "(ε = %.4f, δ = %.1e)-DP by %s accounting; σ = %.4f, C = %.4g, q = %.6f (expected batch %.1f), "
            + "%d steps (%.2f epochs) over %d examples; Poisson sampling, neighbouring datasets: %s%s",
        epsilon,
        delta,
        accountant.toUpperCase(java.util.Locale.ROOT),
        noiseMultiplier,
        l2NormClip,
        samplingRate,
        expectedBatchSize,
        steps,
        epochs,
        trainExamples,
        NEIGHBOURING,
        secureNoise ? "" : "; WARNING: testing noise source, no guarantee");
  }
}
