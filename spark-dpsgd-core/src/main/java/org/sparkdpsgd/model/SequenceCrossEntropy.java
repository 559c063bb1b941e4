package org.sparkdpsgd.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A language model's loss: softmax cross-entropy at every position whose target is not padding,
 * averaged over those positions, per example. loss_i = (1/n_i) Σ_t −log softmax(z_it)[y_it] over
 * the n_i positions with y_it ≠ PAD; ∂loss_i/∂z_it = (p_it − e_{y_it}) / n_i there and 0 at padded
 * positions. A window without targets has loss 0 and zero gradient. The mean (not the sum) keeps
 * every window's loss on one scale, so a short last window is not clipped differently.
 */
final class SequenceCrossEntropy {
  private SequenceCrossEntropy() {}

  /** Per-example losses [m] and the gradient with respect to the logits [m, T, V]. */
  static SoftmaxCrossEntropy.LossAndGradient lossAndGradient(
      INDArray logits, TokenWindows windows) {
    int m = (int) logits.size(0);
    int v = (int) logits.size(2);
    int window = windows.window();
    double[] z = Arrays2.flat(logits);
    double[] losses = new double[m];
    for (int i = 0; i < m; i++) {
      int n = windows.targetCount(i);
      double scale = n == 0 ? 0 : 1.0 / n;
      double sum = 0;
      for (int t = i * window; t < (i + 1) * window; t++) {
        int y = windows.targets()[t];
        if (y == TokenWindows.PAD) {
          java.util.Arrays.fill(z, t * v, (t + 1) * v, 0.0);
        } else {
          sum += SoftmaxCrossEntropy.softmaxRow(z, t * v, v, y, scale);
        }
      }
      losses[i] = sum * scale;
    }
    INDArray lossArray = Nd4j.createUninitialized(logits.dataType(), m);
    INDArray gradient = Nd4j.createUninitialized(logits.dataType(), logits.shape());
    Arrays2.write(losses, 0, lossArray);
    Arrays2.write(z, 0, gradient);
    return new SoftmaxCrossEntropy.LossAndGradient(lossArray, gradient);
  }

  /** Σ_t log p(y_it) over each example's non-padding targets, and how many there are. */
  static WindowScores logLikelihoods(INDArray logits, TokenWindows windows) {
    int m = (int) logits.size(0);
    int v = (int) logits.size(2);
    int window = windows.window();
    double[] z = Arrays2.flat(logits);
    double[] sums = new double[m];
    int[] counts = new int[m];
    for (int i = 0; i < m; i++) {
      for (int t = i * window; t < (i + 1) * window; t++) {
        int y = windows.targets()[t];
        if (y != TokenWindows.PAD) {
          sums[i] -= SoftmaxCrossEntropy.softmaxRow(z, t * v, v, y, 1.0);
          counts[i]++;
        }
      }
    }
    return new WindowScores(sums, counts);
  }
}
