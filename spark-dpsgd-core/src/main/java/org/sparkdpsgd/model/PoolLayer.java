package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max or average pooling (NCHW, no padding). No parameters, so nothing to clip: it only routes
 * deltas back to its inputs. Max pooling in float runs in Java, remembering each window's argmax
 * for the backward pass (libnd4j's maxpool2d_bp searches every window again and was slower than the
 * convolutions around it); ties go to the first maximum in row-major order. Average pooling, and
 * max pooling in double, use libnd4j's maxpool2d / avgpool2d and their backward ops.
 */
final class PoolLayer implements Layer {
  private final LayerSpec.Pool spec;
  private final Shape in;
  private final Shape out;
  private INDArray input;
  private float[] values = new float[0];
  private float[] gradients = new float[0];
  private int[] argmax = new int[0];

  PoolLayer(LayerSpec.Pool spec, Shape in, Shape out) {
    this.spec = spec;
    this.in = in;
    this.out = out;
  }

  @Override
  public INDArray forward(INDArray x) {
    input = x.reshape('c', x.size(0), in.channels(), in.height(), in.width());
    if (javaMax(x)) {
      return maxForward((int) x.size(0));
    }
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
    if (javaMax(input)) {
      return maxBackward(gradOut);
    }
    INDArray gradIn = Nd4j.createUninitialized(input.dataType(), input.shape());
    Nd4j.exec(
        op(spec.max() ? "maxpool2d_bp" : "avgpool2d_bp")
            .addInputs(input, gradOut)
            .addOutputs(gradIn)
            .build());
    return gradIn;
  }

  private boolean javaMax(INDArray x) {
    return spec.max() && x.dataType() == DataType.FLOAT;
  }

  private INDArray maxForward(int m) {
    values = Arrays2.floats(input, values);
    int outSize = m * out.channels() * out.height() * out.width();
    if (argmax.length < outSize) {
      argmax = new int[outSize];
    }
    float[] result = new float[outSize];
    int k = spec.size();
    int s = spec.stride();
    int o = 0;
    for (int plane = 0; plane < m * in.channels(); plane++) {
      int base = plane * in.height() * in.width();
      for (int oy = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++) {
          int best = base + oy * s * in.width() + ox * s;
          float max = values[best];
          for (int ky = 0; ky < k; ky++) {
            int line = base + (oy * s + ky) * in.width() + ox * s;
            for (int kx = 0; kx < k; kx++) {
              // '>' keeps the first maximum; a NaN never wins, as in a max of floats... unless
              // it comes first, where it stays (and poisons the loss, which then drops the
              // example).
              if (values[line + kx] > max) {
                max = values[line + kx];
                best = line + kx;
              }
            }
          }
          result[o] = max;
          argmax[o++] = best;
        }
      }
    }
    INDArray r =
        Nd4j.createUninitialized(DataType.FLOAT, m, out.channels(), out.height(), out.width());
    Arrays2.copyFrom(result, 0, r);
    return r;
  }

  private INDArray maxBackward(INDArray gradOut) {
    int n = (int) gradOut.length();
    gradients = Arrays2.floats(gradOut, gradients);
    float[] gradIn = new float[(int) input.length()];
    for (int o = 0; o < n; o++) {
      gradIn[argmax[o]] += gradients[o];
    }
    INDArray r = Nd4j.createUninitialized(DataType.FLOAT, input.shape());
    Arrays2.copyFrom(gradIn, 0, r);
    return r;
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
