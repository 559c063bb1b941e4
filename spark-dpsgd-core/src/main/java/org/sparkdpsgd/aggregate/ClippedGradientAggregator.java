package org.sparkdpsgd.aggregate;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.function.Supplier;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.sampling.PoissonSampler;

/**
 * The unit of distributed work of one step: {@link #add} Poisson-samples a block and adds the
 * clipped per-example gradients of the sampled rows; {@link #merge} adds another aggregator. It
 * holds SUMS, never means: the driver divides by the expected batch size, because the realised
 * sample size depends on who is in the data. Sums are merged exactly, in fixed point ({@link
 * ExactSum}), so the result does not depend on the merge order or on retries.
 *
 * <p>The computing is done by {@link ClippedBatches}, which is transient: pending work is finished
 * before the aggregator is serialised or merged, so the empty aggregator Spark ships as the zero
 * value stays small.
 */
public final class ClippedGradientAggregator implements Serializable {
  private final StepContext context;
  private final Supplier<double[]> weights;
  private ExactSum gradientSum;
  private double lossSum;

  private transient ClippedBatches batches;
  private transient PoissonSampler.Step sampler; // one per task: keyed once, not once per block

  /**
   * @param weights the step's parameters; on a cluster a supplier that reads a broadcast variable
   *     (it must be Serializable)
   */
  public ClippedGradientAggregator(StepContext context, Supplier<double[]> weights) {
    this.context = context;
    this.weights = weights;
  }

  public ClippedGradientAggregator add(ExampleBlock block) {
    if (sampler == null) {
      sampler = PoissonSampler.forStep(context.samplingKey(), context.step());
    }
    int[] rows = sampler.sample(block.blockId(), block.rows(), context.samplingRate());
    if (rows.length == 0) {
      return this;
    }
    float[] x = new float[rows.length * block.dim()];
    block.gatherRows(rows, x);
    int[] y = new int[rows.length];
    for (int k = 0; k < rows.length; k++) {
      y[k] = block.labels()[rows[k]];
    }
    if (batches == null) {
      batches = new ClippedBatches(context, weights.get());
    }
    batches.add(x, y, rows.length);
    return this;
  }

  public ClippedGradientAggregator merge(ClippedGradientAggregator other) {
    finish();
    other.finish();
    if (other.gradientSum != null) {
      gradientSum =
          gradientSum == null ? other.gradientSum.copy() : gradientSum.add(other.gradientSum);
    }
    lossSum += other.lossSum;
    return this;
  }

  /** Σ c_i g_i over the sampled examples (zeros if none was sampled). */
  public double[] gradientSum() {
    finish();
    return gradientSum == null ? new double[context.spec().numParams()] : gradientSum.toDoubles();
  }

  /** Sum of the per-example losses (unclipped) over the sampled examples. */
  public double lossSum() {
    finish();
    return lossSum;
  }

  /** Computes what is pending and rounds this task's sum into fixed point. */
  private void finish() {
    if (batches == null) {
      return;
    }
    ExactSum task = ExactSum.of(batches.finish(), context.fixedPointUnit());
    lossSum += batches.lossSum();
    batches = null;
    gradientSum = gradientSum == null ? task : gradientSum.add(task);
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    finish();
    out.defaultWriteObject();
  }
}
