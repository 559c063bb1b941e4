package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer with concrete parameter arrays, computing a batch (first dimension = examples). A layer
 * keeps what its backward pass needs from the last {@link #forward}; a network and its layers
 * belong to one thread.
 */
public interface Layer {
  /** The parameter arrays, in flat-vector order (empty for layers without parameters). */
  default INDArray[] params() {
    return new INDArray[0];
  }

  /** Called after new values were copied into {@link #params()} (to refresh derived copies). */
  default void paramsLoaded() {}

  /** The batch output for a batch input of any layout holding this layer's input shape. */
  INDArray forward(INDArray x);

  /**
   * The same, for a layer that may also read the network's own input ({@link
   * LayerSpec.AppendInput}); the others ignore it.
   */
  default INDArray forward(INDArray x, INDArray networkInput) {
    return forward(x);
  }

  /**
   * Given the loss gradient with respect to the last forward output, adds this layer's per-example
   * parameter gradients to {@code grads} (parametric layers) and returns the gradient with respect
   * to its input, or null when {@code needInputGradient} is false.
   */
  INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads);
}
