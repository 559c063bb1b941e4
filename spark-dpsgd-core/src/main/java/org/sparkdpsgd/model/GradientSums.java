package org.sparkdpsgd.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ObjIntConsumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Running sums of (clipped) gradients per parametric layer, kept as ND4J arrays shaped like the
 * parameters so that each batch is added in place (no temporary gradient, no per-batch copy to the
 * JVM heap). {@link #addTo} flattens them into the parameter layout of {@link ModelSpec} once per
 * task.
 */
public final class GradientSums {
  private final ModelSpec spec;
  final List<INDArray[]> parts = new ArrayList<>();

  public GradientSums(ModelSpec spec, DataType dtype) {
    this.spec = spec;
    List<Shape> shapes = spec.inputShapes();
    List<LayerSpec> all = spec.allLayers();
    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      for (int l = 0; l < all.size(); l++) {
        long[][] paramShapes = all.get(l).paramShapes(shapes.get(l));
        if (paramShapes.length == 0) {
          continue;
        }
        INDArray[] arrays = new INDArray[paramShapes.length];
        for (int k = 0; k < arrays.length; k++) {
          arrays[k] = Nd4j.zeros(dtype, paramShapes[k]);
        }
        parts.add(arrays);
      }
    }
  }

  public ModelSpec spec() {
    return spec;
  }

  public DataType dtype() {
    return parts.get(0)[0].dataType();
  }

  /** Sets every sum to zero (for reuse). */
  public GradientSums zero() {
    for (INDArray[] arrays : parts) {
      for (INDArray a : arrays) {
        a.assign(0.0);
      }
    }
    return this;
  }

  /** Copies float sums into {@code out} (flat parameter layout), as they are. */
  public void copyTo(float[] out) {
    forEachPart((a, off) -> Arrays2.copyTo(a, out, off));
  }

  /** Adds the sums into {@code out} (flat parameter layout). */
  public void addTo(double[] out) {
    forEachPart((a, off) -> Arrays2.addTo(a, out, off));
  }

  /** Each sum array with its offset in the flat parameter layout. */
  private void forEachPart(ObjIntConsumer<INDArray> action) {
    int off = 0;
    for (INDArray[] arrays : parts) {
      for (INDArray a : arrays) {
        action.accept(a, off);
        off += (int) a.length();
      }
    }
  }
}
