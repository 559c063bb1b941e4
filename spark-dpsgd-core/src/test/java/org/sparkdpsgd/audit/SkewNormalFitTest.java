package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The maximum-likelihood fit recovers a known skew-normal from 20,000 draws, and extrapolates its
 * lower tail to 2^-40, far below the sample's smallest value (about 2^-14). Each comparison allows
 * 4.89 standard errors (observed information, delta method): a two-sided normal probability of 1e-6
 * each, so the whole test fails a correct fit with probability at most 4e-6 (asymptotic normality
 * of the estimates). The draws are seeded: the rate is that of an unlucky seed.
 */
class SkewNormalFitTest {
  private static final double Z = 4.89;
  private static final SkewNormal TRUTH = new SkewNormal(5, 2, 4);

  private static double[] draws(SkewNormal d, int n, long seed) {
    double[] x = new double[n];
    for (int k = 0; k < n; k++) {
      x[k] = SyntheticScores.skewNormal(d, seed, k);
    }
    return x;
  }

  /** The point where d's CDF is 2^-bits. */
  static double quantileAtBits(SkewNormal d, double bits) {
    return new BrentSolver(1e-12)
        .solve(
            10_000,
            x -> d.lowerTailBits(x) - bits,
            d.location() - 60 * d.scale(),
            d.location() + 5 * d.scale());
  }

  @Test
  void recoversLocationScaleAndShapeAndTheFarTail() {
    double[] sample = draws(TRUTH, 20_000, 11);
    SkewNormal fit = SkewNormalFit.maximumLikelihood(sample);
    FitUncertainty u = new FitUncertainty(fit, sample);
    double[] se = u.standardErrors();
    assertEquals(TRUTH.location(), fit.location(), Z * se[0], "location, se " + se[0]);
    assertEquals(TRUTH.scale(), fit.scale(), Z * se[1], "scale, se " + se[1]);
    assertEquals(TRUTH.shape(), fit.shape(), Z * se[2], "shape, se " + se[2]);
    // The tolerances are tight enough to mean something.
    assertTrue(se[2] < 0.5, "shape se " + se[2]);

    double canary = quantileAtBits(TRUTH, 40);
    double bitsSe = u.standardError(d -> d.lowerTailBits(canary));
    assertEquals(40, fit.lowerTailBits(canary), Z * bitsSe, "extrapolated bits, se " + bitsSe);
    assertTrue(bitsSe < 2, "extrapolation se " + bitsSe);
  }

  @Test
  void fitsALeftSkewedSampleInAnyUnits() {
    SkewNormal truth = new SkewNormal(-3e4, 500, -2);
    double[] sample = draws(truth, 20_000, 12);
    SkewNormal fit = SkewNormalFit.maximumLikelihood(sample);
    double[] se = new FitUncertainty(fit, sample).standardErrors();
    assertEquals(truth.location(), fit.location(), Z * se[0], "location, se " + se[0]);
    assertEquals(truth.scale(), fit.scale(), Z * se[1], "scale, se " + se[1]);
    assertEquals(truth.shape(), fit.shape(), Z * se[2], "shape, se " + se[2]);
  }

  /**
   * An exponential sample is more skewed than any skew-normal: the likelihood grows without bound
   * in the shape, and the fit stops at the bound instead of returning nonsense.
   */
  @Test
  void aSampleBeyondTheFamilysSkewnessStopsAtTheShapeBound() {
    double[] sample = new double[5_000];
    for (int k = 0; k < sample.length; k++) {
      sample[k] = -Math.log(SyntheticScores.uniform(13, k));
    }
    SkewNormal fit = SkewNormalFit.maximumLikelihood(sample);
    assertTrue(fit.shape() > 20 && fit.shape() <= SkewNormalFit.MAX_SHAPE, "shape " + fit.shape());
  }

  /**
   * The moment start inverts the skewness formula: a skew-normal's skewness gives back its shape.
   */
  @Test
  void momentStartInvertsTheSkewness() {
    double alpha = 4;
    double delta = alpha / Math.sqrt(1 + alpha * alpha);
    double mu = delta * Math.sqrt(2 / Math.PI);
    double skewness = (4 - Math.PI) / 2 * Math.pow(mu, 3) / Math.pow(1 - mu * mu, 1.5);
    SkewNormal start = SkewNormalFit.momentStart(skewness);
    assertEquals(alpha, start.shape(), 1e-9);
    // Mean 0 and variance 1: ξ + ω μ = 0 and ω² (1 - μ²) = 1.
    assertEquals(0, start.location() + start.scale() * mu, 1e-12);
    assertEquals(1, start.scale() * start.scale() * (1 - mu * mu), 1e-12);
  }

  @Test
  void refusesSamplesThatCannotBeFitted() {
    InvalidInputException small =
        assertThrows(
            InvalidInputException.class, () -> SkewNormalFit.maximumLikelihood(new double[99]));
    assertEquals(
        "a skew-normal fit needs at least 100 candidates; provided value: 99", small.getMessage());
    InvalidInputException flat =
        assertThrows(
            InvalidInputException.class, () -> SkewNormalFit.maximumLikelihood(new double[100]));
    assertEquals(
        "candidate log-perplexities must not all be equal; provided value: 0.0", flat.getMessage());
  }
}
