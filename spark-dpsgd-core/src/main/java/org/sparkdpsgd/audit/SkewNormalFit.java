package org.sparkdpsgd.audit;

import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.apache.commons.math3.stat.descriptive.moment.Mean;
import org.apache.commons.math3.stat.descriptive.moment.Skewness;
import org.apache.commons.math3.stat.descriptive.moment.StandardDeviation;
import org.sparkdpsgd.util.Checks;

/**
 * The maximum-likelihood skew-normal for a sample of candidates' log-perplexities. The sample is
 * standardised first, so the optimiser works on numbers near 1 whatever the scorer's units, and the
 * method-of-moments fit is its starting point.
 */
public final class SkewNormalFit {
  /** Fewer points say little about a distribution's skewness, let alone its tail. */
  public static final int MIN_SAMPLE = 100;

  /**
   * With positive probability the likelihood keeps growing as |α| → ∞ (Azzalini and Capitanio
   * 1999); the fit then stops at this bound, a near half-normal, instead of running away.
   */
  static final double MAX_SHAPE = 100;

  /** The largest |skewness| a skew-normal has is 0.9953; moment starts are kept inside it. */
  private static final double MAX_START_SKEWNESS = 0.9;

  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

  private SkewNormalFit() {}

  public static SkewNormal maximumLikelihood(double[] sample) {
    Checks.require(
        sample.length >= MIN_SAMPLE,
        "a skew-normal fit needs at least "
            + MIN_SAMPLE
            + " candidates; provided value: "
            + sample.length);
    for (double x : sample) {
      Checks.require(
          Double.isFinite(x), "candidate log-perplexities must be finite; provided value: " + x);
    }
    double mean = new Mean().evaluate(sample);
    double sd = new StandardDeviation().evaluate(sample);
    Checks.require(
        sd > 0, "candidate log-perplexities must not all be equal; provided value: " + mean);
    double[] z = new double[sample.length];
    for (int k = 0; k < z.length; k++) {
      z[k] = (sample[k] - mean) / sd;
    }
    SkewNormal start = momentStart(new Skewness().evaluate(z));
    double[] best =
        new BOBYQAOptimizer(7, 0.5, 1e-10)
            .optimize(
                new MaxEval(20_000),
                GoalType.MAXIMIZE,
                new ObjectiveFunction(
                    p -> logLikelihood(new SkewNormal(p[0], Math.exp(p[1]), p[2]), z)),
                new InitialGuess(
                    new double[] {start.location(), Math.log(start.scale()), start.shape()}),
                new SimpleBounds(
                    new double[] {-10, -5, -MAX_SHAPE}, new double[] {10, 5, MAX_SHAPE}))
            .getPoint();
    return new SkewNormal(mean + sd * best[0], sd * Math.exp(best[1]), best[2]);
  }

  /** Σ log density. */
  public static double logLikelihood(SkewNormal d, double[] sample) {
    double sum = 0;
    for (double x : sample) {
      sum += d.logDensity(x);
    }
    return sum;
  }

  /**
   * The skew-normal with mean 0, variance 1 and the given skewness (clipped into reach). With δ =
   * α/√(1+α²) and μ = δ√(2/π), the skewness is (4-π)/2 · μ³/(1-μ²)^(3/2), solved here for μ.
   */
  static SkewNormal momentStart(double skewness) {
    double g = Math.max(-MAX_START_SKEWNESS, Math.min(MAX_START_SKEWNESS, skewness));
    double c = Math.cbrt(2 * g / (4 - Math.PI));
    double mu = c / Math.sqrt(1 + c * c);
    double delta = mu / SQRT_2_OVER_PI;
    double scale = 1 / Math.sqrt(1 - mu * mu);
    return new SkewNormal(-scale * mu, scale, delta / Math.sqrt(1 - delta * delta));
  }
}
