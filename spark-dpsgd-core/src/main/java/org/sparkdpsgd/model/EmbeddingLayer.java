package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Token embedding: ids [m × T] → vectors [m, T, dim], position t of example i the table row of its
 * id. The input is ids, so this is a first layer: it passes no gradient back.
 *
 * <p>Per-example gradients: {@link TokenGradients}, the ghost form through token counts (Li et al.
 * 2022, as Opacus does it): example i's gradient touches only the rows of its own ids, so its norm
 * takes O(T·dim) and no per-example [V × dim] gradient is ever formed.
 */
final class EmbeddingLayer implements Layer {
  private final int vocabulary;
  private final int positions;
  private final int dim;
  private final INDArray table;
  private int[] ids;

  EmbeddingLayer(Shape in, int dim, DataType dtype) {
    this.vocabulary = in.channels();
    this.positions = in.height();
    this.dim = dim;
    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      table = Nd4j.create(dtype, vocabulary, dim);
    }
  }

  @Override
  public INDArray[] params() {
    return new INDArray[] {table};
  }

  /** Table rows copied in Java (a gather of 64-value rows; no arithmetic). */
  @Override
  public INDArray forward(INDArray x) {
    double[] v = Arrays2.flat(x);
    int m = (int) x.size(0);
    if (v.length != m * positions) {
      throw new IllegalArgumentException(
          "an embedding over " + positions + " positions got rows of " + v.length / m + " ids");
    }
    ids = new int[v.length];
    for (int n = 0; n < v.length; n++) {
      ids[n] = TokenWindows.tokenId(v[n], vocabulary);
    }
    INDArray out = Nd4j.createUninitialized(table.dataType(), m, positions, dim);
    if (table.dataType() == DataType.FLOAT) {
      float[] rows = Arrays2.floats(table);
      float[] o = new float[ids.length * dim];
      for (int n = 0; n < ids.length; n++) {
        System.arraycopy(rows, ids[n] * dim, o, n * dim, dim);
      }
      Arrays2.copyFrom(o, 0, out);
    } else {
      double[] rows = Arrays2.flat(table);
      double[] o = new double[ids.length * dim];
      for (int n = 0; n < ids.length; n++) {
        System.arraycopy(rows, ids[n] * dim, o, n * dim, dim);
      }
      Arrays2.copyFrom(o, 0, out);
    }
    return out;
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    if (needInputGradient) {
      throw new IllegalStateException("an embedding's input is token ids: it has no gradient");
    }
    grads.add(
        new TokenGradients(ids, Arrays2.flat(dOut), positions, dim, vocabulary, table.dataType()));
    return null;
  }
}
