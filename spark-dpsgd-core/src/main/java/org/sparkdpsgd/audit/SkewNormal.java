package org.sparkdpsgd.audit;

import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;
import org.apache.commons.math3.analysis.integration.UnivariateIntegrator;
import org.sparkdpsgd.util.Checks;

/**
 * Azzalini's skew-normal distribution, density 2/ω φ(z) Φ(αz) with z = (x - ξ)/ω: the shape The
 * Secret Sharer fits to the log-perplexities of random candidates, so that a canary's exposure can
 * be read off far below the lowest candidate scored. commons-math3 has no skew-normal, so the
 * log-CDF is integrated here, in a form that stays accurate deep in either tail.
 *
 * @param location ξ
 * @param scale ω, positive
 * @param shape α; 0 is the normal distribution, positive skews to the right
 */
public record SkewNormal(double location, double scale, double shape) {
  /** Integrands are cut where they fall below e^-45 of their peak: a relative error under 3e-20. */
  private static final double CUTOFF = 45;

  private static final double LOG2 = Math.log(2);

  /**
   * A smooth integrand converges in a few thousand; a failure to converge is thrown, not hidden.
   */
  private static final int MAX_EVALUATIONS = 1_000_000;

  public SkewNormal {
    Checks.require(
        Double.isFinite(location), "location must be finite; provided value: " + location);
    Checks.positive("scale", scale);
    Checks.require(Double.isFinite(shape), "shape must be finite; provided value: " + shape);
  }

  public double logDensity(double x) {
    double z = (x - location) / scale;
    return LOG2 - Math.log(scale) + standardLogDensity(z, shape);
  }

  /** log P(X <= x), finite however far into the lower tail x lies. */
  public double logCdf(double x) {
    return standardLogCdf((x - location) / scale, shape);
  }

  /** -log2 P(X <= x): the exposure The Secret Sharer extrapolates for a canary scoring x. */
  public double lowerTailBits(double x) {
    return -logCdf(x) / LOG2;
  }

  /** log φ(z) + log Φ(αz): the standard log-density without its constant log 2. */
  static double standardLogDensity(double z, double alpha) {
    return GaussianLogCdf.logDensity(z) + GaussianLogCdf.logCdf(alpha * z);
  }

  /**
   * The log-density ℓ is concave (φ and Φ are log-concave) with ℓ'' <= -1. On the side of the mode
   * where z lies, the tail beyond z is integrated relative to its largest value, the density at z,
   * so nothing underflows: F(z) = e^ℓ(z) ∫ e^(ℓ(z-u) - ℓ(z)) du below the mode, and 1 - F(z) the
   * same way above it. Concavity bounds the integrand by e^(-|ℓ'(z)| u - u²/2), which says where it
   * may be cut.
   */
  static double standardLogCdf(double z, double alpha) {
    double slope = -z + alpha * GaussianLogCdf.inverseMillsRatio(alpha * z);
    double peak = standardLogDensity(z, alpha);
    double direction = slope >= 0 ? -1 : 1;
    double steepness = Math.abs(slope);
    double end = -steepness + Math.sqrt(steepness * steepness + 2 * CUTOFF);
    UnivariateIntegrator integrator = new IterativeLegendreGaussIntegrator(16, 1e-12, 1e-300);
    double tail =
        integrator.integrate(
            MAX_EVALUATIONS,
            u -> Math.exp(standardLogDensity(z + direction * u, alpha) - peak),
            0,
            end);
    double logTail = LOG2 + peak + Math.log(tail);
    return slope >= 0 ? logTail : Math.log1p(-Math.exp(logTail));
  }
}
