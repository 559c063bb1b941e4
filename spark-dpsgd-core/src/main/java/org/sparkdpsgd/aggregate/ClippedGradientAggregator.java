package org.sparkdpsgd.aggregate;

import java.io.Serializable;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkdpsgd.clip.ClipFactors;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.BatchGradients;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.sampling.PoissonSampler;

/**
 * The unit of distributed work of one step: {@link #add} Poisson-samples a block and adds the
 * clipped per-example gradients of the sampled rows; {@link #merge} adds another aggregator. It
 * holds SUMS, never means: the driver divides by the expected batch size, because the realised
 * sample size depends on who is in the data. The sum array is allocated on first use, so the
 * empty aggregator Spark ships as the zero value is small.
 */
public final class ClippedGradientAggregator implements Serializable {
  private final StepContext context;
  private final Supplier<double[]> weights;
  private double[] gradientSum;
  private double lossSum;
  private transient Network network;
  private transient Network doubleNetwork;

  /**
   * Rows with a feature beyond this magnitude are computed in double precision: in float, the
   * clip factor times a delta would underflow into subnormal numbers and lose the precision that
   * keeps each clipped contribution within C.
   */
  static final double FLOAT_SAFE_MAGNITUDE = 1e12;

  /**
   * @param weights the step's parameters; on a cluster a supplier that reads a broadcast variable
   *     (it must be Serializable)
   */
  public ClippedGradientAggregator(StepContext context, Supplier<double[]> weights) {
    this.context = context;
    this.weights = weights;
  }

  public ClippedGradientAggregator add(ExampleBlock block) {
    int[] rows =
        PoissonSampler.sample(
            context.samplingKey(), context.step(), block.blockId(), block.rows(),
            context.samplingRate());
    if (rows.length == 0) {
      return this;
    }
    float[] x = new float[rows.length * block.dim()];
    block.gatherRows(rows, x);
    int[] labels = new int[rows.length];
    for (int k = 0; k < rows.length; k++) {
      labels[k] = block.labels()[rows[k]];
    }
    Network net = largestMagnitude(x) > FLOAT_SAFE_MAGNITUDE ? doubleNetwork() : network();
    INDArray input = net.input(x, rows.length);
    BatchGradients g = net.forwardBackward(input, labels);
    double[] factors =
        context.clipping() ? ClipFactors.fromSquaredNorms(g.squaredNorms(), context.l2NormClip()) : null;
    g.addWeightedSum(factors, sum());
    lossSum += g.lossSum();
    return this;
  }

  public ClippedGradientAggregator merge(ClippedGradientAggregator other) {
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
    return gradientSum == null ? new double[context.spec().numParams()] : gradientSum.clone();
  }

  /** Sum of the per-example losses (unclipped) over the sampled examples. */
  public double lossSum() {
    return lossSum;
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

  private Network doubleNetwork() {
    if (doubleNetwork == null) {
      doubleNetwork = new Network(context.spec(), weights.get(), DataType.DOUBLE);
    }
    return doubleNetwork;
  }

  private Network network() {
    if (network == null) {
      network =
          new Network(context.spec(), weights.get(), context.useDouble() ? DataType.DOUBLE : DataType.FLOAT);
    }
    return network;
  }
}
