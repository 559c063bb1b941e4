package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link LayerSpec.AppendInput}: [features, weight · standardise(input)] per example, flat. It
 * reads the network's input besides the previous layer's output ({@link #forward(INDArray,
 * INDArray)}). No parameters, and only fixed layers before it, so no backward pass ever reaches it
 * ({@link Network#forwardBackward} stops at the first trained layer).
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

  /** Refused: this layer needs the network's input as well. */
  @Override
  public INDArray forward(INDArray x) {
    throw new IllegalStateException("append-input reads the network's input too");
  }

  /** [m × (features + input)]: the features so far, then the weighted, standardised input. */
  @Override
  public INDArray forward(INDArray previous, INDArray networkInput) {
    long m = previous.size(0);
    INDArray own =
        standardise.forward(networkInput).reshape('c', m, networkInput.length() / m).muli(weight);
    return Nd4j.hstack(previous.dup('c').reshape('c', m, features.size()), own);
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    throw new IllegalStateException(
        "append-input is a fixed layer: the backward pass stops at the first trained layer");
  }
}
