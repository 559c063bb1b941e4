package org.sparkdpsgd.train;

import java.io.Serializable;

/**
 * The privacy guarantee of a trained model: (ε, δ)-DP with respect to adding or removing one
 * training example, for Poisson sampling with rate q, σ and C as given, over the given steps.
 *
 * @param numMicrobatches M microbatches per step (each microbatch's mean gradient clipped to C), or
 *     0 for per-example clipping; with M > 0 the sensitivity is 2C and ε is for σ/2. Reports saved
 *     before microbatches existed read as 0, which is what those runs did.
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
    boolean nonPrivate,
    int numMicrobatches)
    implements Serializable {

  /** The neighbouring relation the guarantee is for (example-level, add or remove one). */
  public static final String NEIGHBOURING = "add-or-remove-one-example";

  public String neighbouring() {
    return NEIGHBOURING;
  }

  /** What microbatching did to the accounting, or "" for per-example clipping. */
  String microbatches() {
    if (numMicrobatches <= 0) {
      return "";
    }
    return String.format(
        java.util.Locale.ROOT,
        "; %d microbatches per step (uniformly random, data-independent membership), each"
            + " microbatch's mean gradient clipped to C: sensitivity 2C, accounted as σ/2 = %.4f",
        numMicrobatches,
        noiseMultiplier / 2);
  }

  public String summary() {
    if (nonPrivate) {
      return "NO PRIVACY GUARANTEE: trained without clipping and noise";
    }
    return String.format(
        java.util.Locale.ROOT,
        "(ε = %.4f, δ = %.1e)-DP by %s accounting; σ = %.4f, C = %.4g, q = %.6f (expected batch %.1f), "
            + "%d steps (%.2f epochs) over %d examples; Poisson sampling, neighbouring datasets: %s%s%s",
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
        microbatches(),
        secureNoise ? "" : "; WARNING: testing noise source, no guarantee");
  }
}
