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
}
