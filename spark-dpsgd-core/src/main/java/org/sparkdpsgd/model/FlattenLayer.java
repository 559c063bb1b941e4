package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** C × H × W → C·H·W per example (a reshape; the backward pass reshapes back). */
final class FlattenLayer implements Layer {
  private final Shape out;
  private long[] inputShape;

  FlattenLayer(Shape out) {
    this.out = out;
  }

  @Override
  public INDArray forward(INDArray x) {
    inputShape = x.shape();
    return x.reshape('c', x.size(0), out.size());
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    return needInputGradient ? dOut.reshape('c', inputShape) : null;
  }
}
