package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fixed scattering network ({@link ScatteringTransform}) applied to every input channel. It has
 * no parameters and passes no gradient back, which is why it may only open a network ({@link
 * ModelSpec} checks that); the trainer then computes it once per example, not per step ({@link
 * FixedFeatures}).
 */
final class ScatteringLayer implements Layer {
  private final Shape in;
  private final Shape out;
  private final DataType dtype;
  private final ScatteringTransform transform;

  ScatteringLayer(LayerSpec.Scattering spec, Shape in, DataType dtype) {
    this.in = in;
    this.out = spec.outputShape(in);
    this.dtype = dtype;
    this.transform = new ScatteringTransform(in.height(), in.width(), spec.scales(), spec.angles());
  }

  @Override
  public INDArray forward(INDArray x) {
    int m = (int) x.size(0);
    float[] rows = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
    return Nd4j.create(
            apply(rows, m), new long[] {m, out.channels(), out.height(), out.width()}, 'c')
        .castTo(dtype);
  }

  /** m rows of the input shape (row-major) → m rows of the output shape. */
  float[] apply(float[] rows, int m) {
    int channelIn = in.height() * in.width();
    int perChannelOut = out.size() / in.channels();
    float[] result = new float[m * out.size()];
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < in.channels(); c++) {
        transform.transform(
            rows, i * in.size() + c * channelIn, result, i * out.size() + c * perChannelOut);
      }
    }
    return result;
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    if (needInputGradient) {
      throw new IllegalStateException(
          "scattering passes no gradient back; it must be the first layer");
    }
    return null;
  }
}
