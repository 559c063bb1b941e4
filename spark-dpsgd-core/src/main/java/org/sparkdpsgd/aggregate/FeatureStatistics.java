package org.sparkdpsgd.aggregate;

import java.io.Serializable;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.FeatureLayout;

/**
 * The sums feature normalisation releases, aggregated over blocks: with u = f / max(R, ‖f‖) for
 * each example's features f (R = √d, so ‖u‖ ≤ 1), {@link #sum} = Σ u (d values) and {@link
 * #secondMoment} = Σ_examples Σ_p v_p v_pᵀ (C × C), v_p the C channel values of u's maps at
 * position p. One example moves the first by ‖u‖ ≤ 1 and the second (in Frobenius norm, hence its
 * upper triangle too) by Σ_p ‖v_p‖² ≤ ‖u‖² ≤ 1: the pair has L2 sensitivity ≤ √2.
 *
 * <p>Sums, never means; allocated on the first example, so an empty aggregator ships cheaply.
 * Without {@code secondMoment} (centring only) the C × C sum is not kept. With {@code exact} (a run
 * without privacy) every example is scaled by 1/R, none is bounded, so the sums give the exact mean
 * and covariance.
 */
public final class FeatureStatistics implements Serializable {
  private final int dim;
  private final FeatureLayout layout;
  private final boolean secondMoment;
  private final boolean exact;
  private double[] sum;
  private double[] second; // upper triangle (c1 <= c2) of the C × C sum, row-major
  private long count;

  public FeatureStatistics(int dim, FeatureLayout layout, boolean secondMoment, boolean exact) {
    if (layout.mapsDim() > dim) {
      throw new IllegalArgumentException(
          "feature layout " + layout + " has more map features than the " + dim + " features");
    }
    this.dim = dim;
    this.layout = layout;
    this.secondMoment = secondMoment;
    this.exact = exact;
  }

  /**
   * u is scaled 1e-9 below norm 1: the norm and the products are rounded (a relative error of about
   * d·2⁻⁵³), and ‖u‖ ≤ 1 is the release's sensitivity, so it must hold after rounding too.
   */
  public static final double BOUND_MARGIN = 1e-9;

  /** R = √d, the norm below which an example's features are only scaled by 1/R. */
  public static double radius(int dim) {
    return Math.sqrt(dim);
  }

  /** The factor 1 / max(R, ‖f‖) that maps f to u (‖u‖ ≤ 1), for row {@code row} of {@code f}. */
  public static double boundingScale(float[] f, int offset, int dim) {
    double sq = 0;
    for (int k = 0; k < dim; k++) {
      double x = f[offset + k];
      sq += x * x;
    }
    double norm = Math.sqrt(sq);
    // A non-finite norm (an overflowing or NaN feature) contributes nothing rather than NaN.
    return Double.isFinite(norm) ? (1 - BOUND_MARGIN) / Math.max(radius(dim), norm) : 0.0;
  }

  public FeatureStatistics add(ExampleBlock b) {
    if (b.dim() != dim) {
      throw new IllegalArgumentException("block of " + b.dim() + " features, expected " + dim);
    }
    for (int r = 0; r < b.rows(); r++) {
      addRow(b.features(), r * dim);
    }
    return this;
  }

  /** Adds the example whose features are {@code f[offset .. offset + d)}. */
  public FeatureStatistics addRow(float[] f, int offset) {
    allocate();
    double scale = exact ? 1.0 / radius(dim) : boundingScale(f, offset, dim);
    double[] u = new double[dim];
    for (int k = 0; k < dim && scale > 0; k++) {
      u[k] = f[offset + k] * scale;
      sum[k] += u[k];
    }
    if (secondMoment) {
      int c = layout.channels();
      int p = layout.positions();
      int idx = 0;
      for (int c1 = 0; c1 < c; c1++) {
        int o1 = c1 * p;
        for (int c2 = c1; c2 < c; c2++) {
          int o2 = c2 * p;
          double dot = 0;
          for (int q = 0; q < p; q++) {
            dot += u[o1 + q] * u[o2 + q];
          }
          second[idx++] += dot;
        }
      }
    }
    count++;
    return this;
  }

  private void allocate() {
    if (sum == null) {
      sum = new double[dim];
      int c = layout.channels();
      second = secondMoment ? new double[c * (c + 1) / 2] : null;
    }
  }

  public FeatureStatistics merge(FeatureStatistics o) {
    if (o.dim != dim || !o.layout.equals(layout) || o.secondMoment != secondMoment) {
      throw new IllegalArgumentException("merging feature statistics of different shapes");
    }
    if (o.sum == null) {
      return this;
    }
    allocate();
    for (int k = 0; k < dim; k++) {
      sum[k] += o.sum[k];
    }
    if (secondMoment) {
      for (int k = 0; k < second.length; k++) {
        second[k] += o.second[k];
      }
    }
    count += o.count;
    return this;
  }

  public int dim() {
    return dim;
  }

  public FeatureLayout layout() {
    return layout;
  }

  public boolean hasSecondMoment() {
    return secondMoment;
  }

  /** Examples added (for checks; the release treats N as public and does not use this). */
  public long count() {
    return count;
  }

  /** Σ u, a copy (zeros when empty). */
  public double[] sum() {
    return sum == null ? new double[dim] : sum.clone();
  }

  /**
   * The upper triangle (c1 ≤ c2, row-major) of Σ Σ_p v_p v_pᵀ, a copy (zeros when empty); null
   * without the second moment.
   */
  public double[] upperSecondMoment() {
    if (!secondMoment) {
      return null;
    }
    int c = layout.channels();
    return second == null ? new double[c * (c + 1) / 2] : second.clone();
  }
}
