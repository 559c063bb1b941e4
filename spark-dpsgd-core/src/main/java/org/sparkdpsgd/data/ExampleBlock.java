package org.sparkdpsgd.data;

import java.io.Serializable;

/**
 * A block of validated training rows kept on the executors for the whole run: features as one
 * row-major {@code float[]} (compact, on-heap, visible to Spark's storage accounting) and labels as
 * class indices. ND4J arrays are built per step from the sampled rows only.
 *
 * @param blockId globally unique id; together with the run seed and step it fixes the Poisson
 *     sample of this block, so a retried task draws the same rows
 */
public record ExampleBlock(long blockId, int rows, int dim, float[] features, int[] labels)
    implements Serializable {

  public ExampleBlock {
    if (features.length != (long) rows * dim || labels.length != rows) {
      throw new IllegalArgumentException(
          "block " + blockId + ": arrays do not match " + rows + " rows x " + dim + " features");
    }
  }

  /** Copies the given rows' features into {@code out}, row after row. */
  public void gatherRows(int[] rowIndices, float[] out) {
    for (int k = 0; k < rowIndices.length; k++) {
      System.arraycopy(features, rowIndices[k] * dim, out, k * dim, dim);
    }
  }

  /**
   * This block with only the rows where {@code keep} is true, in their order, under the same block
   * id (the kept rows are numbered 0, 1, ... anew).
   */
  public ExampleBlock keeping(boolean[] keep) {
    if (keep.length != rows) {
      throw new IllegalArgumentException(
          "block " + blockId + ": " + keep.length + " flags for " + rows + " rows");
    }
    int kept = 0;
    for (boolean k : keep) {
      kept += k ? 1 : 0;
    }
    int[] chosen = new int[kept];
    int[] y = new int[kept];
    for (int r = 0, k = 0; r < rows; r++) {
      if (keep[r]) {
        chosen[k] = r;
        y[k++] = labels[r];
      }
    }
    float[] x = new float[kept * dim];
    gatherRows(chosen, x);
    return new ExampleBlock(blockId, kept, dim, x, y);
  }
}
