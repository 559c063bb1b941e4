package org.sparkdpsgd.aggregate;

import org.sparkdpsgd.clip.ClipFactors;

/**
 * The clipping shared by microbatches ({@link MicrobatchSums}) and users ({@link UserGradients}): a
 * group's gradient sum becomes its mean, the mean is scaled to norm at most C ({@link ClipFactors},
 * margin included; an infinite C keeps it), and it is added to an exact sum rounded on its own, so
 * one group moves the released sum by at most C + √d·unit/2.
 */
final class ClippedMean {
  private ClippedMean() {}

  /**
   * Adds clip(sum / count) to {@code into}, using {@code mean} (the same length) as scratch; {@code
   * mean} may be {@code sum} itself. A mean whose norm is not finite (overflow) cannot be scaled to
   * C and adds nothing, as {@link ClipFactors} drops such an example.
   */
  static void add(double[] sum, long count, double clip, double[] mean, ExactSum into) {
    double squared = 0;
    for (int k = 0; k < mean.length; k++) {
      mean[k] = sum[k] / count;
      squared += mean[k] * mean[k];
    }
    double factor = ClipFactors.fromSquaredNorms(new double[] {squared}, clip)[0];
    if (factor == 0.0) {
      return;
    }
    if (factor != 1.0) {
      for (int k = 0; k < mean.length; k++) {
        mean[k] *= factor;
      }
    }
    into.addRounded(mean);
  }
}
