package org.sparkdpsgd.train;

import java.io.Serializable;

/**
 * The privacy guarantee of a trained model: (ε, δ)-DP with respect to adding or removing one
 * training example, for Poisson sampling with rate q, σ and C as given, over the given steps.
 *
 * @param numMicrobatches M microbatches per step (each microbatch's mean gradient clipped to C), or
 *     0 for per-example clipping; with M > 0 the sensitivity is 2C and ε is for σ/2. Reports saved
 *     before microbatches existed read as 0, which is what those runs did.
 * @param users U for user-level privacy (each step samples users; ε protects all of one user's
 *     examples at once), or 0 for example-level; reports saved before user-level privacy read 0
 * @param normalisationNoiseMultiplier σ_n of the one release of the feature statistics (mean and
 *     channel covariance, sensitivity √2 with noise √2·σ_n) composed with the steps into ε, or 0
 *     without feature normalisation; reports saved before it existed read 0
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
    int numMicrobatches,
    long users,
    double normalisationNoiseMultiplier)
    implements Serializable {

  /** The neighbouring relation the guarantee is for (example-level, add or remove one). */
  public static final String NEIGHBOURING = "add-or-remove-one-example";

  /** The neighbouring relation of user-level privacy (add or remove all of one user's rows). */
  public static final String NEIGHBOURING_USERS = "add-or-remove-one-user";

  public String neighbouring() {
    return users > 0 ? NEIGHBOURING_USERS : NEIGHBOURING;
  }

  /** The unit the guarantee protects, in words: "example-level" or "user-level, U users". */
  public String privacyUnit() {
    return users > 0 ? "user-level, " + users + " users" : "example-level, one example";
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

  /** What the release of the feature statistics added to ε, or "" without it. */
  String normalisation() {
    if (!(normalisationNoiseMultiplier > 0)) {
      return "";
    }
    return String.format(
        java.util.Locale.ROOT,
        "; plus one release of the feature statistics (mean and channel covariance for feature"
            + " normalisation, each example's features scaled to norm <= 1) by a Gaussian mechanism"
            + " with noise multiplier σ_n = %.4f, composed with the steps",
        normalisationNoiseMultiplier);
  }

  public String summary() {
    if (nonPrivate) {
      return "NO PRIVACY GUARANTEE: trained without clipping and noise";
    }
    return String.format(
        java.util.Locale.ROOT,
        "(ε = %.4f, δ = %.1e)-DP by %s accounting; σ = %.4f, C = %.4g, q = %.6f (expected batch %.1f%s), "
            + "%d steps (%.2f epochs) over %s; Poisson sampling%s, neighbouring datasets: %s%s%s%s",
        epsilon,
        delta,
        accountant.toUpperCase(java.util.Locale.ROOT),
        noiseMultiplier,
        l2NormClip,
        samplingRate,
        expectedBatchSize,
        users > 0 ? " users" : "",
        steps,
        epochs,
        users > 0 ? users + " users (" + trainExamples + " examples)" : trainExamples + " examples",
        users > 0 ? " of users, each user's mean gradient clipped to C" : "",
        neighbouring(),
        microbatches(),
        normalisation(),
        secureNoise ? "" : "; WARNING: testing noise source, no guarantee");
  }
}
