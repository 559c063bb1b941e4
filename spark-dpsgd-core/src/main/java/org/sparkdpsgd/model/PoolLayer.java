package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max or average pooling (libnd4j's maxpool2d / avgpool2d and their backward ops, NCHW, no
 * padding). No parameters, so nothing to clip: it only routes deltas back to its inputs.
 */
final class PoolLayer implements Layer {
  private final LayerSpec.Pool spec;
  private final Shape in;
  private final Shape out;
  private INDArray input;

  PoolLayer(LayerSpec.Pool spec, Shape in, Shape out) {
    this.spec = spec;
    this.in = in;
    this.out = out;
  }

  @Override
  public INDArray forward(INDArray x) {
    input = x.reshape('c', x.size(0), in.channels(), in.height(), in.width());
    INDArray result =
        Nd4j.createUninitialized(
            x.dataType(), x.size(0), out.channels(), out.height(), out.width());
    Nd4j.exec(
        op(spec.max() ? "maxpool2d" : "avgpool2d").addInputs(input).addOutputs(result).build());
    return result;
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    if (!needInputGradient) {
      return null;
    }
    INDArray gradOut = dOut.reshape('c', dOut.size(0), out.channels(), out.height(), out.width());
    INDArray gradIn = Nd4j.createUninitialized(input.dataType(), input.shape());
    Nd4j.exec(
        op(spec.max() ? "maxpool2d_bp" : "avgpool2d_bp")
            .addInputs(input, gradOut)
            .addOutputs(gradIn)
            .build());
    return gradIn;
  }

  /**
   * Integer arguments of libnd4j's pooling ops: kernel h/w, stride h/w, padding h/w, dilation h/w,
   * same-mode (0), extra (avg: 1 = divide by the full window; max: unused), layout (0 = NCHW).
   */
  private DynamicCustomOp.DynamicCustomOpsBuilder op(String name) {
    return DynamicCustomOp.builder(name)
        .addIntegerArguments(
            spec.size(), spec.size(), spec.stride(), spec.stride(), 0, 0, 1, 1, 0, 1, 0);
  }
}
