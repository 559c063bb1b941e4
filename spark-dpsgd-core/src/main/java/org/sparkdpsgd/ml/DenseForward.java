package org.sparkdpsgd.ml;

import org.sparkdpsgd.model.ModelSpec;

/** Logits of one example in plain Java (the per-row path of transform; training uses ND4J). */
final class DenseForward {
  private DenseForward() {}

  static double[] logits(ModelSpec spec, double[] params, double[] x) {
    int[] w = spec.widths();
    double[] a = x;
    for (int l = 0; l < spec.numLayers(); l++) {
      int in = w[l];
      int out = w[l + 1];
      int off = spec.weightOffset(l);
      double[] z = new double[out];
      System.arraycopy(params, off + in * out, z, 0, out);
      for (int i = 0; i < in; i++) {
        double ai = a[i];
        if (ai == 0) {
          continue;
        }
        int row = off + i * out;
        for (int j = 0; j < out; j++) {
          z[j] += ai * params[row + j];
        }
      }
      if (l < spec.numLayers() - 1) {
        for (int j = 0; j < out; j++) {
          z[j] = switch (spec.activation()) {
            case TANH -> Math.tanh(z[j]);
            case RELU -> Math.max(0, z[j]);
          };
        }
      }
      a = z;
    }
    return a;
  }
}
