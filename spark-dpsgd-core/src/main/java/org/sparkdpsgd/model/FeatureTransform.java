package org.sparkdpsgd.model;

import java.io.Serializable;

/**
 * The affine map feature normalisation trains on: g = A (f − μ), where A applies the symmetric C ×
 * C matrix Z to the C channel values at every position of the maps part (see {@link FeatureLayout})
 * and leaves the features after the maps as they are. Z = null stands for the identity (centring
 * only).
 *
 * <p>{@link #fold} moves the map into the first dense layer (z = g W + b): W' = Aᵀ W and b' = b − μ
 * W', so a model trained on g takes the raw features f and gives the same logits.
 */
public final class FeatureTransform implements Serializable {
  private final double[] mean;
  private final double[] whitening;
  private final FeatureLayout layout;

  /**
   * @param mean μ, one value per feature
   * @param whitening Z, C × C row-major and symmetric, or null for the identity
   */
  public FeatureTransform(double[] mean, double[] whitening, FeatureLayout layout) {
    int c = layout.channels();
    if (layout.mapsDim() > mean.length) {
      throw new IllegalArgumentException(
          "feature layout " + layout + " has more map features than the " + mean.length);
    }
    if (whitening != null && whitening.length != c * c) {
      throw new IllegalArgumentException("whitening must be " + c + " x " + c);
    }
    this.mean = mean.clone();
    this.whitening = whitening == null ? null : whitening.clone();
    this.layout = layout;
  }

  public int dim() {
    return mean.length;
  }

  public double[] mean() {
    return mean.clone();
  }

  /** Z, row-major, or null for the identity. */
  public double[] whitening() {
    return whitening == null ? null : whitening.clone();
  }

  public FeatureLayout layout() {
    return layout;
  }

  /** g = A (f − μ) for one example, in double. */
  public double[] apply(double[] f) {
    int d = mean.length;
    double[] centred = new double[d];
    for (int k = 0; k < d; k++) {
      centred[k] = f[k] - mean[k];
    }
    if (whitening == null) {
      return centred;
    }
    double[] g = centred.clone();
    int c = layout.channels();
    int p = layout.positions();
    for (int i = 0; i < c; i++) {
      for (int q = 0; q < p; q++) {
        double v = 0;
        for (int j = 0; j < c; j++) {
          v += whitening[i * c + j] * centred[j * p + q];
        }
        g[i * p + q] = v;
      }
    }
    return g;
  }

  /** {@link #apply} on every row of a block (row-major, {@code rows × d}), in float. */
  public float[] apply(float[] features, int rows) {
    int d = mean.length;
    float[] out = new float[features.length];
    double[] f = new double[d];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < d; k++) {
        f[k] = features[r * d + k];
      }
      double[] g = apply(f);
      for (int k = 0; k < d; k++) {
        out[r * d + k] = (float) g[k];
      }
    }
    return out;
  }

  /**
   * The parameters of {@code spec} (whose first parameterised layer is a dense layer on these
   * features, its weights d × units row-major then its bias) with this map folded in: the same
   * logits on raw features f as {@code params} give on g. Later layers' parameters are copied.
   */
  public double[] fold(double[] params, ModelSpec spec) {
    ModelSpec trainable = spec.trainable();
    if (!(trainable.allLayers().get(0) instanceof LayerSpec.Dense dense)) {
      throw new IllegalArgumentException(
          "only a dense first trained layer can take the feature normalisation: " + trainable);
    }
    int d = trainable.inputDim();
    if (d != mean.length) {
      throw new IllegalArgumentException(
          "the model's trained layers take " + d + " features; the transform has " + mean.length);
    }
    int units = dense.units();
    double[] out = params.clone();
    if (whitening != null) {
      int c = layout.channels();
      int p = layout.positions();
      // W'[j·P + q][u] = Σ_i Z[i][j] W[i·P + q][u]
      for (int j = 0; j < c; j++) {
        for (int q = 0; q < p; q++) {
          int row = (j * p + q) * units;
          for (int u = 0; u < units; u++) {
            double v = 0;
            for (int i = 0; i < c; i++) {
              v += whitening[i * c + j] * params[(i * p + q) * units + u];
            }
            out[row + u] = v;
          }
        }
      }
    }
    // b' = b − Σ_k μ_k W'[k]
    int bias = d * units;
    for (int u = 0; u < units; u++) {
      double shift = 0;
      for (int k = 0; k < d; k++) {
        shift += mean[k] * out[k * units + u];
      }
      out[bias + u] = params[bias + u] - shift;
    }
    return out;
  }
}
