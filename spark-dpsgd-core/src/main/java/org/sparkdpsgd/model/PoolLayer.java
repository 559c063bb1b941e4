package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max or average pooling (NCHW, no padding). No parameters, so nothing to clip: it only routes
 * deltas back to its inputs. Max pooling in float runs in Java (libnd4j's maxpool2d_bp was slower
 * than the convolutions around it): the forward pass takes Math.max over each window (a '>' test
 * per input mispredicted on half the windows and took 26 ms per 512 rows of the tutorial CNN's
 * first pool), the backward pass finds each window's first input equal to its maximum in row-major
 * order (2 × 2 windows without branches). Ties go to the first maximum. Average pooling, and max
 * pooling in double, use libnd4j's maxpool2d / avgpool2d and their backward ops.
 */
final class PoolLayer implements Layer {
  private final LayerSpec.Pool spec;
  private final Shape in;
  private final Shape out;
  private INDArray input;
  private float[] values = new float[0];
  private float[] pooled = new float[0];
  private float[] gradients = new float[0];
  private float[] gradIn = new float[0];

  /**
   * 2 × 2, stride 1 (the fast path): each window's maximum at its top-left input's index (windows
   * that run off a plane hold garbage), and the row maxima it is built from.
   */
  private float[] windowMax = new float[0];

  private float[] rowMax = new float[0];

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

  /** 2 × 2 windows at stride 1: the fast path of {@link #maxForward}. */
  private boolean twoByTwoStrideOne() {
    return spec.size() == 2 && spec.stride() == 1;
  }

  private INDArray maxForward(int m) {
    values = Arrays2.floats(input, values);
    int outSize = m * out.channels() * out.height() * out.width();
    if (pooled.length < outSize) {
      pooled = new float[outSize];
    }
    if (twoByTwoStrideOne()) {
      shiftedMaxima(m);
    } else {
      windowMaxima(m);
    }
    INDArray r =
        Nd4j.createUninitialized(DataType.FLOAT, m, out.channels(), out.height(), out.width());
    Arrays2.copyFrom(pooled, 0, r);
    return r;
  }

  /**
   * 2 × 2 windows at stride 1 as two element-wise maxima over the whole batch: of each input and
   * its right neighbour, then of that and the same one row below (long loops the JIT vectorises;
   * per window the same max(max(a, b), max(c, d)) as {@link #windowMaxima}). The outputs are then
   * copied out of the windows that lie inside their planes.
   */
  private void shiftedMaxima(int m) {
    int w = in.width();
    int n = m * in.channels() * in.height() * w;
    if (windowMax.length < n) {
      windowMax = new float[n];
      rowMax = new float[n];
    }
    float[] v = values;
    float[] h = rowMax;
    float[] mx = windowMax;
    for (int j = 0; j < n - 1; j++) {
      h[j] = Math.max(v[j], v[j + 1]);
    }
    for (int j = 0; j < n - 1 - w; j++) {
      mx[j] = Math.max(h[j], h[j + w]);
    }
    int ow = out.width();
    int o = 0;
    for (int plane = 0; plane < m * in.channels(); plane++) {
      int base = plane * in.height() * w;
      for (int oy = 0; oy < out.height(); oy++) {
        System.arraycopy(mx, base + oy * w, pooled, o, ow);
        o += ow;
      }
    }
  }

  /** Each window's maximum, window by window (any size and stride). */
  private void windowMaxima(int m) {
    int k = spec.size();
    int s = spec.stride();
    int w = in.width();
    int o = 0;
    for (int plane = 0; plane < m * in.channels(); plane++) {
      int base = plane * in.height() * w;
      for (int oy = 0; oy < out.height(); oy++) {
        int top = base + oy * s * w;
        if (k == 2) {
          int below = top + w;
          for (int ox = 0, j = 0; ox < out.width(); ox++, j += s) {
            pooled[o++] =
                Math.max(
                    Math.max(values[top + j], values[top + j + 1]),
                    Math.max(values[below + j], values[below + j + 1]));
          }
        } else {
          for (int ox = 0; ox < out.width(); ox++) {
            float max = values[top + ox * s];
            for (int ky = 0; ky < k; ky++) {
              int line = top + ky * w + ox * s;
              for (int kx = 0; kx < k; kx++) {
                max = Math.max(max, values[line + kx]);
              }
            }
            pooled[o++] = max;
          }
        }
      }
    }
  }

  /**
   * Each output's delta goes to the first input of its window (row-major) equal to the window's
   * maximum, or to the window's first input when the maximum is NaN.
   */
  private INDArray maxBackward(INDArray gradOut) {
    int n = (int) input.length();
    gradients = Arrays2.floats(gradOut, gradients);
    if (gradIn.length < n) {
      gradIn = new float[n];
    }
    routeByWindow();
    INDArray r = Nd4j.createUninitialized(DataType.FLOAT, input.shape());
    Arrays2.copyFrom(gradIn, 0, r);
    return r;
  }

  /** Routes each window's delta (any size and stride), into gradIn. */
  private void routeByWindow() {
    int n = (int) input.length();
    java.util.Arrays.fill(gradIn, 0, n, 0f);
    int m = (int) input.size(0);
    int k = spec.size();
    int s = spec.stride();
    int w = in.width();
    int o = 0;
    for (int plane = 0; plane < m * in.channels(); plane++) {
      int base = plane * in.height() * w;
      for (int oy = 0; oy < out.height(); oy++) {
        int top = base + oy * s * w;
        if (k == 2) {
          for (int ox = 0; ox < out.width(); ox++) {
            routeTwoByTwo(top + ox * s, w, pooled[o], gradients[o]);
            o++;
          }
          continue;
        }
        for (int ox = 0; ox < out.width(); ox++) {
          float max = pooled[o];
          int first = top + ox * s;
          int at = first;
          search:
          for (int ky = 0; ky < k; ky++) {
            int line = first + ky * w;
            for (int kx = 0; kx < k; kx++) {
              if (values[line + kx] == max) {
                at = line + kx;
                break search;
              }
            }
          }
          gradIn[at] += gradients[o++];
        }
      }
    }
  }

  /**
   * The delta of a 2 × 2 window at {@code i0} (row length w) goes to its first input equal to the
   * maximum, without branches: which input holds the maximum is data, and a mispredicted branch per
   * window made this loop four times slower. The delta is masked by its bits (not multiplied by 0
   * or 1), so an infinite delta adds nothing to the inputs it skips. A NaN maximum goes to the
   * window's last input.
   */
  private void routeTwoByTwo(int i0, int w, float max, float delta) {
    int maxBits = Float.floatToRawIntBits(max + 0f);
    int e0 = same(values[i0], maxBits);
    int e1 = same(values[i0 + 1], maxBits);
    int e2 = same(values[i0 + w], maxBits);
    int not0 = e0 ^ 1;
    int s1 = e1 & not0;
    int not01 = not0 & (e1 ^ 1);
    int s2 = e2 & not01;
    int s3 = not01 & (e2 ^ 1);
    int bits = Float.floatToRawIntBits(delta);
    gradIn[i0] += Float.intBitsToFloat(bits & -e0);
    gradIn[i0 + 1] += Float.intBitsToFloat(bits & -s1);
    gradIn[i0 + w] += Float.intBitsToFloat(bits & -s2);
    gradIn[i0 + w + 1] += Float.intBitsToFloat(bits & -s3);
  }

  /**
   * 1 if v equals the float with bits {@code maxBits} (both with −0 made +0, so ±0 are equal), else
   * 0.
   */
  private static int same(float v, int maxBits) {
    int d = Float.floatToRawIntBits(v + 0f) ^ maxBits;
    return ((d | -d) >>> 31) ^ 1;
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
