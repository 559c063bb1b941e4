package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fixed scattering network ({@link ScatteringTransform}) applied to every input channel, with the
 * transforms of fewer scales folded onto its grid when the spec asks for them ({@link
 * LayerSpec.Scattering#multiscale}). It has no parameters and passes no gradient back, which is why
 * it may only open a network ({@link ModelSpec} checks that); the trainer then computes it once per
 * example, not per step ({@link FixedFeatures}).
 */
final class ScatteringLayer implements Layer {
  private final Shape in;
  private final Shape out;
  private final DataType dtype;
  private final ScatteringTransform transform;

  /** The transforms with scales J−1 … 1 (empty unless multiscale), and a buffer for their maps. */
  private final List<ScatteringTransform> finer;

  private final float[] finerMaps;

  ScatteringLayer(LayerSpec.Scattering spec, Shape in, DataType dtype) {
    this.in = in;
    this.out = spec.outputShape(in);
    this.dtype = dtype;
    this.transform = new ScatteringTransform(in.height(), in.width(), spec.scales(), spec.angles());
    List<ScatteringTransform> transforms = new java.util.ArrayList<>();
    int largest = 0;
    for (int j = spec.multiscale() ? spec.scales() - 1 : 0; j >= 1; j--) {
      ScatteringTransform t = new ScatteringTransform(in.height(), in.width(), j, spec.angles());
      transforms.add(t);
      largest =
          Math.max(
              largest,
              ScatteringTransform.mapsPerChannel(j, spec.angles()) * t.outHeight() * t.outWidth());
    }
    this.finer = List.copyOf(transforms);
    this.finerMaps = new float[largest];
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
    int coarseMaps = ScatteringTransform.mapsPerChannel(transform.scales(), transform.angles());
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < in.channels(); c++) {
        int inOff = i * in.size() + c * channelIn;
        int outOff = i * out.size() + c * perChannelOut;
        transform.transform(rows, inOff, result, outOff);
        outOff += coarseMaps * out.height() * out.width();
        for (ScatteringTransform t : finer) {
          t.transform(rows, inOff, finerMaps, 0);
          outOff = fold(t, result, outOff);
        }
      }
    }
    return result;
  }

  /**
   * Writes the finer transform's maps (in {@link #finerMaps}) onto the output grid at {@code
   * outOff}, polyphase block by block (see {@link LayerSpec.Scattering}); returns the offset after
   * them.
   */
  private int fold(ScatteringTransform t, float[] result, int outOff) {
    int maps = ScatteringTransform.mapsPerChannel(t.scales(), t.angles());
    int f = t.outHeight() / out.height();
    int fineH = t.outHeight();
    int fineW = t.outWidth();
    int o = outOff;
    for (int a = 0; a < f; a++) {
      for (int b = 0; b < f; b++) {
        for (int k = 0; k < maps; k++) {
          int base = k * fineH * fineW;
          for (int y = 0; y < out.height(); y++) {
            for (int x = 0; x < out.width(); x++) {
              result[o++] = finerMaps[base + (y * f + a) * fineW + x * f + b];
            }
          }
        }
      }
    }
    return o;
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
