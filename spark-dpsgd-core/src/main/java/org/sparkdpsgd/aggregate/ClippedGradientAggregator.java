package org.sparkdpsgd.aggregate;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.sparkdpsgd.clip.ClipFactors;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.BatchGradients;
import org.sparkdpsgd.model.GradientSums;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.sampling.PoissonSampler;

/**
 * The unit of distributed work of one step: {@link #add} Poisson-samples a block and adds the
 * clipped per-example gradients of the sampled rows; {@link #merge} adds another aggregator. It
 * holds SUMS, never means: the driver divides by the expected batch size, because the realised
 * sample size depends on who is in the data.
 *
 * <p>Sampled rows are buffered and computed in batches of up to {@link #BATCH_ROWS} rows, so one
 * large matrix product replaces many small ones whatever the block size. Buffers and running sums
 * are transient; pending work is finished before the aggregator is serialised or merged, so the
 * empty aggregator Spark ships as the zero value stays small.
 */
public final class ClippedGradientAggregator implements Serializable {
  /** Rows per forward/backward pass on an executor. */
  static final int BATCH_ROWS = 1024;

  /**
   * Rows with a feature beyond this magnitude are computed in double precision: in float, the
   * clip factor times a delta would underflow into subnormal numbers and lose the precision that
   * keeps each clipped contribution within C.
   */
  static final double FLOAT_SAFE_MAGNITUDE = 1e12;

  private final StepContext context;
  private final Supplier<double[]> weights;
  private double[] gradientSum;
  private double lossSum;

  private transient Network network;
  private transient GradientSums sums;
  private transient float[] pendingX;
  private transient int[] pendingY;
  private transient int pendingRows;

  /**
   * @param weights the step's parameters; on a cluster a supplier that reads a broadcast variable
   *     (it must be Serializable)
   */
  public ClippedGradientAggregator(StepContext context, Supplier<double[]> weights) {
    this.context = context;
    this.weights = weights;
  }

  public ClippedGradientAggregator add(ExampleBlock block) {
    int[] rows = PoissonSampler.sample(
        context.samplingKey(), context.step(), block.blockId(), block.rows(), context.samplingRate());
    if (rows.length == 0) {
      return this;
    }
    int dim = block.dim();
    float[] x = new float[rows.length * dim];
    block.gatherRows(rows, x);
    int[] y = new int[rows.length];
    for (int k = 0; k < rows.length; k++) {
      y[k] = block.labels()[rows[k]];
    }
    if (context.useDouble() || largestMagnitude(x) > FLOAT_SAFE_MAGNITUDE) {
      compute(new Network(context.spec(), weights.get(), DataType.DOUBLE), x, y, rows.length);
      return this;
    }
    for (int start = 0; start < rows.length; ) {
      int take = Math.min(rows.length - start, BATCH_ROWS - pendingRows);
      buffer(x, y, start, take, dim);
      start += take;
      if (pendingRows == BATCH_ROWS) {
        flushPending();
      }
    }
    return this;
  }

  public ClippedGradientAggregator merge(ClippedGradientAggregator other) {
    finish();
    other.finish();
    if (other.gradientSum != null) {
      double[] mine = sum();
      if (other.gradientSum.length != mine.length) {
        throw new IllegalStateException(
            "cannot merge gradient sums of " + other.gradientSum.length + " and " + mine.length + " values");
      }
      for (int k = 0; k < mine.length; k++) {
        mine[k] += other.gradientSum[k];
      }
    }
    lossSum += other.lossSum;
    return this;
  }

  /** Σ c_i g_i over the sampled examples (zeros if none was sampled). */
  public double[] gradientSum() {
    finish();
    return gradientSum == null ? new double[context.spec().numParams()] : gradientSum.clone();
  }

  /** Sum of the per-example losses (unclipped) over the sampled examples. */
  public double lossSum() {
    finish();
    return lossSum;
  }

  private void buffer(float[] x, int[] y, int start, int count, int dim) {
    if (pendingX == null) {
      pendingX = new float[BATCH_ROWS * dim];
      pendingY = new int[BATCH_ROWS];
    }
    System.arraycopy(x, start * dim, pendingX, pendingRows * dim, count * dim);
    System.arraycopy(y, start, pendingY, pendingRows, count);
    pendingRows += count;
  }

  private void flushPending() {
    if (pendingRows == 0) {
      return;
    }
    if (network == null) {
      network = ExecutorCache.network(context.spec(), weights.get());
    }
    int m = pendingRows;
    float[] x = m == BATCH_ROWS ? pendingX : Arrays.copyOf(pendingX, m * context.spec().inputDim());
    compute(network, x, Arrays.copyOf(pendingY, m), m);
    pendingRows = 0;
  }

  /** Forward, backward, clip and sum for m rows; the sums stay in the network's precision. */
  private void compute(Network net, float[] x, int[] y, int m) {
    if (net.dtype() != DataType.FLOAT) {
      BatchGradients g = net.forwardBackward(net.input(x, m), y);
      g.addWeightedSum(clipFactors(g), sum());
      lossSum += g.lossSum();
      return;
    }
    if (sums == null) {
      sums = ExecutorCache.acquireSums(context.spec());
    }
    try (MemoryWorkspace ws = ExecutorCache.batchWorkspace()) {
      BatchGradients g = net.forwardBackward(net.input(x, m), y);
      g.addWeightedSum(clipFactors(g), sums);
      lossSum += g.lossSum();
    }
  }

  private double[] clipFactors(BatchGradients g) {
    return context.clipping() ? ClipFactors.fromSquaredNorms(g.squaredNormBounds(), context.l2NormClip()) : null;
  }

  /** Computes what is buffered and moves the running sums into {@link #gradientSum}. */
  private void finish() {
    flushPending();
    if (sums != null) {
      sums.addTo(sum());
      ExecutorCache.releaseSums(sums);
      sums = null;
    }
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    finish();
    out.defaultWriteObject();
  }

  private double[] sum() {
    if (gradientSum == null) {
      gradientSum = new double[context.spec().numParams()];
    }
    return gradientSum;
  }

  private static double largestMagnitude(float[] x) {
    float max = 0f;
    for (float v : x) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}
