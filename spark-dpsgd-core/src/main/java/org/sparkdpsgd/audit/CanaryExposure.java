package org.sparkdpsgd.audit;

/**
 * One canary's measurement under one model.
 *
 * @param canary the canary (its secret is reported only in the run's output files)
 * @param logPerplexity the model's score of the canary's text
 * @param rank its rank among the |R| candidates: exact, or estimated from a sample
 * @param exposure log2 |R| - log2 rank: exact, or the sample's empirical estimate
 * @param exposureIsLowerBound no sampled candidate scored at or below the canary, so the sample
 *     resolves only that its rank fraction is below about 1/(sample size): the rank and exposure
 *     are reported at that limit, and the true exposure is likely higher
 * @param extrapolatedExposure -log2 of the fitted skew-normal's CDF at the canary's score, or NaN
 *     when no fit was made
 */
public record CanaryExposure(
    Canary canary,
    double logPerplexity,
    double rank,
    double exposure,
    boolean exposureIsLowerBound,
    double extrapolatedExposure) {
  public boolean hasExtrapolation() {
    return !Double.isNaN(extrapolatedExposure);
  }
}
