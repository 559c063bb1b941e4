package org.sparkdpsgd.model;

import java.io.Serializable;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fixed leading layers of a model ({@link ModelSpec#fixedLayers}) as a function of feature
 * rows, so that they run once per example when the data is cached rather than on every sampled row
 * of every step. Serializable (it travels to the executors); builds its layers lazily, one set per
 * thread.
 */
public final class FixedFeatures implements Serializable {
  private final ModelSpec spec;
  private transient ThreadLocal<List<Layer>> layers;

  public FixedFeatures(ModelSpec spec) {
    this.spec = spec;
  }

  public int inputDim() {
    return spec.inputDim();
  }

  public int outputDim() {
    return spec.trainable().inputDim();
  }

  public String describe() {
    return String.join(
        " > ",
        spec.layers().subList(0, spec.fixedLayers()).stream().map(LayerSpec::describe).toList());
  }

  /** m rows of {@link #inputDim} values → m rows of {@link #outputDim} values. */
  public float[] apply(float[] rows, int m) {
    float[] x = rows;
    List<Shape> shapes = spec.inputShapes();
    List<Layer> fixed = layers();
    INDArray networkInput = null; // the block's rows, for a layer that reads them (append-input)
    for (int l = 0; l < fixed.size(); l++) {
      if (fixed.get(l) instanceof ScatteringLayer scattering) {
        x = scattering.apply(x, m);
      } else {
        // a parameter-free normalisation or input append: one forward pass over the block's rows
        Shape in = shapes.get(l);
        INDArray input =
            Nd4j.create(x, new long[] {m, in.channels(), in.height(), in.width()}, 'c');
        if (networkInput == null) {
          networkInput = Nd4j.create(rows, new long[] {m, spec.inputDim()}, 'c');
        }
        x =
            fixed
                .get(l)
                .forward(input, networkInput)
                .castTo(DataType.FLOAT)
                .dup('c')
                .data()
                .asFloat();
      }
    }
    return x;
  }

  private List<Layer> layers() {
    if (layers == null) {
      layers =
          ThreadLocal.withInitial(
              () -> {
                List<Shape> shapes = spec.inputShapes();
                return java.util.stream.IntStream.range(0, spec.fixedLayers())
                    .mapToObj(
                        l ->
                            spec.layers()
                                .get(l)
                                .create(shapes.get(l), spec.input(), DataType.FLOAT))
                    .toList();
              });
    }
    return layers.get();
  }
}
