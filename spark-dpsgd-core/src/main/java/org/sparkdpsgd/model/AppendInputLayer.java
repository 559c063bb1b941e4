package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link LayerSpec.AppendInput}: [features, weight · standardise(input)] per example, flat. It
 * reads the network's input besides the previous layer's output, so {@link Network} and {@link
 * FixedFeatures} call {@link #forward(INDArray, INDArray)}. No parameters; the backward pass hands
 * the previous layer the gradient of its own features and drops the input's part (the input needs
 * no gradient).
 */
final class AppendInputLayer implements Layer {
  private final double weight;
  private final Shape features;
  private final GroupNormLayer standardise;

  AppendInputLayer(double weight, Shape features, Shape networkInput, DataType dtype) {
    this.weight = weight;
    this.features = features;
    // one group without parameters: each example standardised by its own mean and deviation
    this.standardise = new GroupNormLayer(1, false, networkInput, dtype);
  }

  /**
   * Refused: this layer needs the network's input as well ({@link #forward(INDArray, INDArray)}).
   */
  @Override
  public INDArray forward(INDArray x) {
    throw new IllegalStateException("append-input reads the network's input too");
  }

  /** [m × (features + input)]: the features so far, then the weighted, standardised input. */
  INDArray forward(INDArray previous, INDArray input) {
    long m = previous.size(0);
    INDArray own = standardise.forward(input).reshape('c', m, input.length() / m).muli(weight);
    return Nd4j.hstack(previous.dup('c').reshape('c', m, features.size()), own);
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    if (!needInputGradient) {
      return null;
    }
    long m = dOut.size(0);
    return dOut.reshape('c', m, dOut.length() / m)
        .get(NDArrayIndex.all(), NDArrayIndex.interval(0, features.size()))
        .dup('c')
        .reshape('c', m, features.channels(), features.height(), features.width());
  }
}
