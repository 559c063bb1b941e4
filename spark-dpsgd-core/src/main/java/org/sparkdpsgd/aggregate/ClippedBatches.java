package org.sparkdpsgd.aggregate;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.sparkdpsgd.clip.ClipFactors;
import org.sparkdpsgd.model.BatchGradients;
import org.sparkdpsgd.model.GradientSums;
import org.sparkdpsgd.model.Network;

/**
 * The executor side of a task: sampled rows are buffered and computed (forward, backward, clip,
 * weighted sum) in batches of up to {@link #BATCH_ROWS} rows, so one large matrix product replaces
 * many small ones whatever the block size; rows with extreme values are computed in double. Keeps
 * running sums until {@link #finish}. Belongs to one task thread.
 */
final class ClippedBatches {
  /** Rows per forward/backward pass on an executor. */
  static final int BATCH_ROWS = 1024;

  /**
   * Rows with a feature beyond this magnitude are computed in double precision: in float, the clip
   * factor times a delta would underflow into subnormal numbers and lose the precision that keeps
   * each clipped contribution within C.
   */
  static final double FLOAT_SAFE_MAGNITUDE = 1e12;

  private final StepContext context;
  private final StepWeights weights;
  private final int dim;
  private final float[] pendingX;
  private final int[] pendingY;
  private int pendingRows;
  private Network floatNetwork;
  private GradientSums floatSums;
  private double[] doubleSums;
  private double lossSum;

  ClippedBatches(StepContext context, StepWeights weights) {
    this.context = context;
    this.weights = weights;
    this.dim = context.spec().inputDim();
    this.pendingX = new float[BATCH_ROWS * dim];
    this.pendingY = new int[BATCH_ROWS];
  }

  /** Adds m sampled rows (row-major features, labels). */
  void add(float[] x, int[] y, int m) {
    if (context.useDouble() || largestMagnitude(x) > FLOAT_SAFE_MAGNITUDE) {
      compute(new Network(context.spec(), weights.doubles(), DataType.DOUBLE), x, y, m);
      return;
    }
    for (int start = 0; start < m; ) {
      int take = Math.min(m - start, BATCH_ROWS - pendingRows);
      System.arraycopy(x, start * dim, pendingX, pendingRows * dim, take * dim);
      System.arraycopy(y, start, pendingY, pendingRows, take);
      pendingRows += take;
      start += take;
      if (pendingRows == BATCH_ROWS) {
        flush();
      }
    }
  }

  /** Computes what is buffered; returns Σ c_i g_i over every row added (in double). */
  double[] finish() {
    flush();
    double[] out = doubleSums != null ? doubleSums : new double[context.spec().numParams()];
    if (floatSums != null) {
      floatSums.addTo(out);
      ExecutorCache.releaseSums(floatSums);
      floatSums = null;
    }
    doubleSums = null;
    return out;
  }

  /** Sum of the per-example losses (unclipped) over the rows computed so far. */
  double lossSum() {
    return lossSum;
  }

  private void flush() {
    if (pendingRows == 0) {
      return;
    }
    if (floatNetwork == null) {
      floatNetwork = ExecutorCache.network(context.spec(), weights.floats());
    }
    int m = pendingRows;
    // The network reads only the first m rows of the buffer: no copy of it.
    compute(floatNetwork, pendingX, Arrays.copyOf(pendingY, m), m);
    pendingRows = 0;
  }

  /** Forward, backward, clip and sum for m rows; the sums stay in the network's precision. */
  private void compute(Network net, float[] x, int[] y, int m) {
    if (net.dtype() != DataType.FLOAT) {
      BatchGradients g = net.forwardBackward(net.input(x, m), y);
      if (doubleSums == null) {
        doubleSums = new double[context.spec().numParams()];
      }
      g.addWeightedSum(clipFactors(g), doubleSums);
      lossSum += g.lossSum();
      return;
    }
    if (floatSums == null) {
      floatSums = ExecutorCache.acquireSums(context.spec());
    }
    try (MemoryWorkspace ws = ExecutorCache.batchWorkspace()) {
      BatchGradients g = net.forwardBackward(net.input(x, m), y);
      g.addWeightedSum(clipFactors(g), floatSums);
      lossSum += g.lossSum();
    }
  }

  private double[] clipFactors(BatchGradients g) {
    return context.clipping()
        ? ClipFactors.fromSquaredNorms(g.squaredNormBounds(), context.l2NormClip())
        : null;
  }

  private static double largestMagnitude(float[] x) {
    float max = 0f;
    for (float v : x) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}
