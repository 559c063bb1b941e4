package org.sparkdpsgd.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy per example: loss_i = -log softmax(z_i)[y_i]; ∂loss_i/∂z_i = p_i - e_{y_i}.
 */
public final class SoftmaxCrossEntropy {
  private SoftmaxCrossEntropy() {}

  /** Log-probabilities, computed stably (the row maximum is subtracted first). */
  public static INDArray logSoftmax(INDArray logits) {
    INDArray shifted = logits.subColumnVector(logits.max(1).reshape(logits.rows(), 1));
    INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(1), false);
    return shifted.subiColumnVector(logSum.reshape(logits.rows(), 1));
  }

  public static INDArray oneHot(int[] labels, int numClasses, INDArray like) {
    INDArray y = Nd4j.zeros(like.dataType(), labels.length, numClasses);
    for (int i = 0; i < labels.length; i++) {
      y.putScalar(i, labels[i], 1.0);
    }
    return y;
  }

  /** Per-example losses, shape [m]. */
  public static INDArray losses(INDArray logProbs, INDArray oneHot) {
    return logProbs.mul(oneHot).sum(1).negi();
  }

  /** Per-example gradient with respect to the logits (not divided by the batch size). */
  public static INDArray gradLogits(INDArray logProbs, INDArray oneHot) {
    return Transforms.exp(logProbs, true).subi(oneHot);
  }
}
