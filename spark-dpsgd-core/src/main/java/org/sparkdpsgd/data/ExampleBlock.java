package org.sparkdpsgd.data;

import java.io.Serializable;

/**
 * A block of validated training rows kept on the executors for the whole run: features as one
 * row-major {@code float[]} (compact, on-heap, visible to Spark's storage accounting) and labels as
 * class indices. ND4J arrays are built per step from the sampled rows only.
 *
 * <p>For user-level privacy the rows are grouped by user ({@link UserBlocks}): user u owns rows
 * {@code userStarts[u] .. userStarts[u + 1] - 1}, every user's rows are in one block, and the users
 * themselves are what a step samples. The user ids are not kept: nothing on the executors needs
 * them once the rows are grouped.
 *
 * @param blockId globally unique id; together with the run seed and step it fixes the Poisson
 *     sample of this block, so a retried task draws the same rows
 * @param userStarts null for example-level blocks; otherwise users + 1 strictly increasing row
 *     offsets from 0 to {@code rows}
 */
public record ExampleBlock(
    long blockId, int rows, int dim, float[] features, int[] labels, int[] userStarts)
    implements Serializable {

  public ExampleBlock {
    if (features.length != (long) rows * dim || labels.length != rows) {
      throw new IllegalArgumentException(
          "block " + blockId + ": arrays do not match " + rows + " rows x " + dim + " features");
    }
    if (userStarts != null) {
      checkUserStarts(blockId, rows, userStarts);
    }
  }

  /** An example-level block (rows not grouped by user). */
  public ExampleBlock(long blockId, int rows, int dim, float[] features, int[] labels) {
    this(blockId, rows, dim, features, labels, null);
  }

  private static void checkUserStarts(long blockId, int rows, int[] starts) {
    boolean ok = starts.length >= 1 && starts[0] == 0 && starts[starts.length - 1] == rows;
    for (int u = 1; ok && u < starts.length; u++) {
      ok = starts[u] > starts[u - 1];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "block " + blockId + ": user offsets must rise strictly from 0 to " + rows);
    }
  }

  /** True if the rows are grouped by user (user-level privacy). */
  public boolean byUser() {
    return userStarts != null;
  }

  /** Number of users (user-level blocks only). */
  public int users() {
    return userStarts.length - 1;
  }

  /** Copies the given rows' features into {@code out}, row after row. */
  public void gatherRows(int[] rowIndices, float[] out) {
    for (int k = 0; k < rowIndices.length; k++) {
      System.arraycopy(features, rowIndices[k] * dim, out, k * dim, dim);
    }
  }

  /** This block with every row's features replaced (same rows, labels, users and id). */
  public ExampleBlock withFeatures(int newDim, float[] newFeatures) {
    return new ExampleBlock(blockId, rows, newDim, newFeatures, labels, userStarts);
  }

  /**
   * This block with only the rows where {@code keep} is true, in their order, under the same block
   * id (the kept rows are numbered 0, 1, ... anew). User groups keep their kept rows; a user left
   * with none is dropped.
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
    return new ExampleBlock(blockId, kept, dim, x, y, keptUsers(keep));
  }

  private int[] keptUsers(boolean[] keep) {
    if (userStarts == null) {
      return null;
    }
    int[] starts = new int[userStarts.length];
    int users = 0;
    int row = 0;
    for (int u = 0; u + 1 < userStarts.length; u++) {
      int before = row;
      for (int r = userStarts[u]; r < userStarts[u + 1]; r++) {
        row += keep[r] ? 1 : 0;
      }
      if (row > before) {
        starts[++users] = row;
      }
    }
    return java.util.Arrays.copyOf(starts, users + 1);
  }
}
