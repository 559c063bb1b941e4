package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Element-wise activations; derivatives are taken from the output (no need to keep the input). tanh
 * and relu in float run in Java ({@link FastTanh}, vectorised; ND4J's tanh is scalar and was a
 * tenth of an MLP step; ND4J's relu backward took three ops), forward and backward, through scratch
 * arrays this layer keeps across batches.
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
    if (javaFloat(x)) {
      int n = (int) x.length();
      scratchA = Arrays2.floats(x, scratchA);
      if (relu()) {
        relu(scratchA, n);
      } else {
        FastTanh.apply(scratchA, n);
      }
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
    if (javaFloat(a)) {
      int n = (int) a.length();
      scratchA = Arrays2.floats(a, scratchA);
      scratchB = Arrays2.floats(dOut, scratchB);
      if (relu()) {
        reluDerivativeTimes(scratchA, scratchB, n);
      } else {
        FastTanh.derivativeTimes(scratchA, scratchB, scratchB, n);
      }
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

  private boolean relu() {
    return spec.kind().equals("relu");
  }

  private boolean javaFloat(INDArray x) {
    return (relu() || spec.kind().equals("tanh")) && x.dataType() == DataType.FLOAT;
  }

  /** v[k] = max(v[k], 0) for k < n; NaN stays NaN. */
  static void relu(float[] v, int n) {
    for (int k = 0; k < n; k++) {
      v[k] = Math.max(v[k], 0f);
    }
  }

  /**
   * g[k] = [a[k] > 0]·g[k] for k < n, from relu's output a (≥ +0 or NaN): the 0/1 derivative times
   * the delta, as ND4J's path computes it (an infinite delta at an inactive unit gives NaN). The
   * indicator is min(a·2¹²⁷·2¹²⁷, 1), exact for every a ≥ 0 (the smallest subnormal becomes 2¹⁰⁵),
   * without a branch: with half the units active a branch mispredicts, and took 11.5 instead of 0.5
   * ms for 1.6 million units. A NaN output gives a NaN delta (its example is dropped).
   */
  static void reluDerivativeTimes(float[] a, float[] g, int n) {
    for (int k = 0; k < n; k++) {
      g[k] = Math.min(a[k] * 0x1p127f * 0x1p127f, 1f) * g[k];
    }
  }
}
