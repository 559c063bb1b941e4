package org.sparkdpsgd.train;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.sparkdpsgd.aggregate.FeatureStatistics;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.FeatureLayout;
import org.sparkdpsgd.model.FeatureTransform;
import org.sparkdpsgd.noise.NoiseSource;

/**
 * Differentially private feature normalisation (centring and channel whitening, as in Tramèr &
 * Boneh 2021's private data normalisation), computed once per run before the first step:
 *
 * <pre>
 *   u      = f / max(R, ‖f‖), R = √d                                   (‖u‖ ≤ 1: the sensitivity bound)
 *   s, M   = Σ u,  Σ_examples Σ_p v_p v_pᵀ                           (on the executors, {@link FeatureStatistics})
 *   s     += N(0, 2σ_n²) per value; upper(M) += N(0, 2σ_n²), mirrored  (on the driver, once)
 *   μ      = R s / N;  m = maps part of s / N as (C, P)
 *   Cov    = M / N − Σ_p m_p m_pᵀ;  Cov = V diag(λ) Vᵀ;  λ ≥ max(λ)·1e-4
 *   Z      = V diag((λ / mean λ)^(−w/2)) Vᵀ
 * </pre>
 *
 * (s, upper(M)) has L2 sensitivity ≤ √2 for adding or removing one example, so the noise of
 * standard deviation √2·σ_n is ONE Gaussian mechanism of noise multiplier σ_n ({@link
 * TrainingPlan#normalisationEvent}); N is public (the plan treats it so). Everything after the
 * noise is post-processing. A run without privacy uses exact sums (no bound, no noise).
 */
final class FeatureNormalisation {
  /** Eigenvalues below this fraction of the largest are raised to it. */
  static final double EIGENVALUE_FLOOR = 1e-4;

  private FeatureNormalisation() {}

  /** The sums over {@code data}, computed on the executors. */
  static FeatureStatistics statistics(
      TrainingBlocks data, FeatureLayout layout, boolean whitens, boolean exact, int depth) {
    FeatureStatistics zero = new FeatureStatistics(data.dim(), layout, whitens, exact);
    return data.rdd().treeAggregate(zero, FeatureStatistics::add, FeatureStatistics::merge, depth);
  }

  /**
   * The transform from the sums, with their noise added here (stddev √2·σ_n; none when σ_n = 0).
   */
  static FeatureTransform release(
      FeatureStatistics stats, long n, double sigmaN, double whitening, NoiseSource noise) {
    double stddev = Math.sqrt(2) * sigmaN;
    double[] s = stats.sum();
    double[] upper = stats.upperSecondMoment();
    if (stddev > 0) {
      noise.addNoise(s, stddev);
      if (upper != null) {
        noise.addNoise(upper, stddev);
      }
    }
    return transform(s, upper, n, stats.layout(), whitening);
  }

  /** Post-processing of the released sums (see the class comment). */
  static FeatureTransform transform(
      double[] s, double[] upper, long n, FeatureLayout layout, double whitening) {
    int d = s.length;
    double r = FeatureStatistics.radius(d);
    double[] mean = new double[d];
    for (int k = 0; k < d; k++) {
      mean[k] = r * s[k] / n;
    }
    if (upper == null || whitening == 0) {
      return new FeatureTransform(mean, null, layout);
    }
    return new FeatureTransform(mean, whiten(covariance(s, upper, n, layout), whitening), layout);
  }

  /** Cov = M / N − Σ_p m_p m_pᵀ, C × C row-major, from the upper triangle of M. */
  static double[] covariance(double[] s, double[] upper, long n, FeatureLayout layout) {
    int c = layout.channels();
    int p = layout.positions();
    double[] cov = new double[c * c];
    int idx = 0;
    for (int i = 0; i < c; i++) {
      for (int j = i; j < c; j++) {
        double outer = 0;
        for (int q = 0; q < p; q++) {
          outer += (s[i * p + q] / n) * (s[j * p + q] / n);
        }
        double v = upper[idx++] / n - outer;
        cov[i * c + j] = v;
        cov[j * c + i] = v;
      }
    }
    return cov;
  }

  /**
   * Z = V diag((λ / mean λ)^(−w/2)) Vᵀ for the symmetric {@code cov} = V diag(λ) Vᵀ, with λ floored
   * at max(λ)·{@link #EIGENVALUE_FLOOR}; the identity when no eigenvalue is positive (the noise
   * swamped the covariance).
   */
  static double[] whiten(double[] cov, double w) {
    int c = (int) Math.round(Math.sqrt(cov.length));
    double[][] a = new double[c][c];
    for (int i = 0; i < c; i++) {
      System.arraycopy(cov, i * c, a[i], 0, c);
    }
    EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(a, false));
    double[] lambda = eig.getRealEigenvalues();
    double max = Double.NEGATIVE_INFINITY;
    for (double l : lambda) {
      max = Math.max(max, l);
    }
    double[] z = new double[c * c];
    if (!(max > 0)) {
      for (int i = 0; i < c; i++) {
        z[i * c + i] = 1;
      }
      return z;
    }
    double sum = 0;
    for (int i = 0; i < c; i++) {
      lambda[i] = Math.max(lambda[i], max * EIGENVALUE_FLOOR);
      sum += lambda[i];
    }
    double meanLambda = sum / c;
    RealMatrix v = eig.getV();
    for (int k = 0; k < c; k++) {
      double scale = Math.pow(lambda[k] / meanLambda, -w / 2);
      for (int i = 0; i < c; i++) {
        double vik = v.getEntry(i, k) * scale;
        for (int j = 0; j < c; j++) {
          z[i * c + j] += vik * v.getEntry(j, k);
        }
      }
    }
    // Symmetric up to rounding; make it exactly so.
    for (int i = 0; i < c; i++) {
      for (int j = i + 1; j < c; j++) {
        double m = 0.5 * (z[i * c + j] + z[j * c + i]);
        z[i * c + j] = m;
        z[j * c + i] = m;
      }
    }
    return z;
  }
}
