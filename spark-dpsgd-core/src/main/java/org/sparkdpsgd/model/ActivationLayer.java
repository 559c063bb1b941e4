package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Element-wise activations; derivatives are taken from the output (no need to keep the input). tanh
 * in float runs in Java ({@link FastTanh}, vectorised; ND4J's is scalar and was a tenth of an MLP
 * step), forward and backward, through scratch arrays this layer keeps across batches.
 */
final class ActivationLayer implements Layer {
  private final LayerSpec.Activate spec;
  private INDArray output;
  private float[] scratchA = new float[0];
  private float[] scratchB = new float[0];

  ActivationLayer(LayerSpec.Activate spec, Shape in) {
    this.spec = spec;
  }

  @Override
  public INDArray forward(INDArray x) {
    if (fastTanh(x)) {
      int n = (int) x.length();
      scratchA = Arrays2.floats(x, scratchA);
      FastTanh.apply(scratchA, n);
      output = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
      Arrays2.copyFrom(scratchA, 0, output);
      return output;
    }
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
    if (fastTanh(a)) {
      int n = (int) a.length();
      scratchA = Arrays2.floats(a, scratchA);
      scratchB = Arrays2.floats(dOut, scratchB);
      FastTanh.derivativeTimes(scratchA, scratchB, scratchB, n);
      INDArray dIn = Nd4j.createUninitialized(DataType.FLOAT, a.shape());
      Arrays2.copyFrom(scratchB, 0, dIn);
      return dIn;
    }
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

  private boolean fastTanh(INDArray x) {
    return spec.kind().equals("tanh") && x.dataType() == DataType.FLOAT;
  }
}
