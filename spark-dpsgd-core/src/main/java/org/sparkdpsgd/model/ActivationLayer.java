package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Element-wise activations; derivatives are taken from the output (no need to keep the input). */
final class ActivationLayer implements Layer {
  private final LayerSpec.Activate spec;
  private INDArray output;

  ActivationLayer(LayerSpec.Activate spec, Shape in) {
    this.spec = spec;
  }

  @Override
  public INDArray forward(INDArray x) {
    output =
        switch (spec.kind()) {
          case "tanh" -> Transforms.tanh(x, true);
          case "relu" -> Transforms.relu(x, true);
          // s·σ(T·x) − o
          default ->
              Transforms.sigmoid(x.mul(spec.temperature()), false)
                  .muli(spec.scale())
                  .subi(spec.offset());
        };
    return output;
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    if (!needInputGradient) {
      return null;
    }
    INDArray a = output;
    INDArray derivative =
        switch (spec.kind()) {
          case "tanh" -> a.mul(a).rsubi(1.0);
          case "relu" -> a.gt(0.0).castTo(a.dataType());
          default -> {
            // σ = (a + o)/s, and d/dx s·σ(Tx) = s·T·σ(1 − σ)
            INDArray sigma = a.add(spec.offset()).divi(spec.scale());
            yield sigma.rsub(1.0).muli(sigma).muli(spec.scale() * spec.temperature());
          }
        };
    return derivative.muli(dOut.reshape(derivative.shape()));
  }
}
