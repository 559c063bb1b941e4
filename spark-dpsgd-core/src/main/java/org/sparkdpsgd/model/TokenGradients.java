package org.sparkdpsgd.model;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An embedding's per-example gradients in ghost form: each position's id and output delta g_t.
 * Example i's gradient has row v equal to G_v = Σ_{t: id_t = v} g_t and zero rows elsewhere, so
 * ‖G‖² = Σ_v ‖G_v‖² over the example's distinct ids: one pass over its T positions, summing the
 * deltas of equal ids into a [V × dim] scratch table that is reused across examples. The clipped
 * sum is a scatter-add of c_i g_t into row id_t.
 *
 * <p>All of it runs in double from the stored values (float deltas are exact in double); the result
 * is rounded once into the sums' type. Equal ids are the hard case: with all T positions on one id,
 * their deltas can cancel, and the bound below accounts for that.
 */
record TokenGradients(
    int[] ids, double[] deltas, int positions, int dim, int vocabulary, DataType dtype)
    implements ParamGradients {

  @Override
  public void addSquaredNorms(double[] out) {
    double[][] norms = norms(out.length);
    for (int i = 0; i < out.length; i++) {
      out[i] += norms[0][i];
    }
  }

  /**
   * With a_vk = Σ_{t: id_t = v} |g_tk| and A = ‖a‖ (both computed alongside the norm), u the unit
   * roundoff of the sums' type and γ_n that of double ({@link Rounding}):
   *
   * <ol>
   *   <li>the double sums of at most T deltas are within γ_T a_vk of G_vk, so ‖G‖ ≤ √w + γ_T A,
   *       where w is the computed ‖G‖² (its own summation error is inside ClipFactors' margin);
   *   <li>for one example alone the weighted sum forms fl(Σ_t fl(c g_tk)) in double, within c
   *       γ_{T+1} a_vk of c G_vk, and rounds it once into the sums: a factor (1 + u).
   * </ol>
   *
   * Hence ‖contribution‖ ≤ c (1 + u) (√w + 2 γ_{T+1} A (1 + γ_T)), the last factor covering the
   * rounding of A itself.
   */
  @Override
  public void addSquaredNormBounds(double[] out) {
    double[][] norms = norms(out.length);
    double gamma = Rounding.gamma(positions + 1L, DataType.DOUBLE);
    double slack = 2 * gamma * (1 + gamma);
    double grow = 1 + Rounding.unit(dtype);
    for (int i = 0; i < out.length; i++) {
      double bound = grow * (Math.sqrt(Math.max(norms[0][i], 0)) + slack * Math.sqrt(norms[1][i]));
      out[i] += bound * bound;
    }
  }

  /**
   * Per example, {‖Σ_{t: id_t = v} g_t‖² summed over v, ‖Σ_{t: id_t = v} |g_t|‖² summed over v}:
   * O(T·dim) each, the scratch rows of an id cleared when the example first meets it.
   */
  private double[][] norms(int m) {
    double[] sq = new double[m];
    double[] absSq = new double[m];
    double[] sum = new double[vocabulary * dim];
    double[] abs = new double[vocabulary * dim];
    int[] owner = new int[vocabulary];
    Arrays.fill(owner, -1);
    int[] seen = new int[positions];
    for (int i = 0; i < m; i++) {
      int distinct = 0;
      for (int t = i * positions; t < (i + 1) * positions; t++) {
        int v = ids[t];
        int row = v * dim;
        if (owner[v] != i) {
          owner[v] = i;
          seen[distinct++] = v;
          Arrays.fill(sum, row, row + dim, 0.0);
          Arrays.fill(abs, row, row + dim, 0.0);
        }
        int from = t * dim;
        for (int k = 0; k < dim; k++) {
          double g = deltas[from + k];
          sum[row + k] += g;
          abs[row + k] += Math.abs(g);
        }
      }
      for (int j = 0; j < distinct; j++) {
        int row = seen[j] * dim;
        for (int k = 0; k < dim; k++) {
          sq[i] += sum[row + k] * sum[row + k];
          absSq[i] += abs[row + k] * abs[row + k];
        }
      }
    }
    return new double[][] {sq, absSq};
  }

  /** Σ_i c_i Σ_t g_t into row id_t, accumulated in double, added to the sums rounded once. */
  @Override
  public void addWeightedSum(INDArray c, INDArray[] sums) {
    int m = ids.length / positions;
    double[] factors = c == null ? null : Arrays2.flat(c);
    double[] acc = new double[vocabulary * dim];
    for (int i = 0; i < m; i++) {
      double ci = factors == null ? 1.0 : factors[i];
      if (ci == 0.0) {
        continue;
      }
      for (int t = i * positions; t < (i + 1) * positions; t++) {
        int row = ids[t] * dim;
        int from = t * dim;
        for (int k = 0; k < dim; k++) {
          acc[row + k] += ci * deltas[from + k];
        }
      }
    }
    Arrays2.addRounded(acc, sums[0]);
  }

  @Override
  public void zeroExample(int i) {
    Arrays.fill(deltas, i * positions * dim, (i + 1) * positions * dim, 0.0);
  }
}
