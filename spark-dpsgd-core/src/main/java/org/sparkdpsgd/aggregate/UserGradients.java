package org.sparkdpsgd.aggregate;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.BatchGradients;
import org.sparkdpsgd.model.GradientSums;
import org.sparkdpsgd.model.Network;

/**
 * User-level clipping on an executor: each sampled user's contribution is the MEAN gradient of the
 * loss over their rows, clipped to C as a whole, rounded to the fixed-point grid on its own and
 * added exactly ({@link ExactSum#addRounded}). Adding or removing one user (all their rows) then
 * changes the task's sum by one rounded clipped mean, norm ≤ C + √d·unit/2: the sensitivity the
 * example-level noise is calibrated to ({@link ExactSum#sensitivity}), with the user as the unit.
 *
 * <p>Why the mean and not a sum of per-example clipped gradients: the mean's norm is bounded by C
 * whatever the user's row count, needs no per-user cap k for the bound, and weights every sampled
 * user equally, as DP-FedAvg weights clients; a user's many rows reduce the variance of their
 * contribution instead of multiplying its weight. The rows of a user are computed together (one
 * forward/backward per user, in chunks of {@link ClippedBatches#BATCH_ROWS}); a user with a row
 * beyond float's safe range is computed in double, as such rows are at example level.
 */
final class UserGradients {
  private final StepContext context;
  private final StepWeights weights;
  private final int dim;
  private final ExactSum exact;
  private final double[] sum; // the current user's gradient sum, then their clipped mean
  private final float[] x; // one chunk of the current user's rows
  private double lossSum;
  private Network floatNetwork;
  private Network doubleNetwork;

  UserGradients(StepContext context, StepWeights weights) {
    this.context = context;
    this.weights = weights;
    this.dim = context.spec().inputDim();
    int p = context.spec().numParams();
    this.exact = ExactSum.zeros(p, context.fixedPointUnit());
    this.sum = new double[p];
    this.x = new float[ClippedBatches.BATCH_ROWS * dim];
  }

  /** Adds the clipped mean gradients of the users {@code users} (indices) of {@code block}. */
  void add(ExampleBlock block, int[] users) {
    int[] starts = block.userStarts();
    for (int u : users) {
      addUser(block, starts[u], starts[u + 1]);
    }
  }

  private void addUser(ExampleBlock block, int from, int to) {
    int n = to - from;
    float[] features = block.features();
    boolean useDouble =
        context.useDouble() || !ClippedBatches.floatSafe(features, from * dim, n * dim);
    Network net = useDouble ? doubleNetwork() : floatNetwork();
    Arrays.fill(sum, 0.0);
    double userLoss = 0;
    for (int start = from; start < to; start += ClippedBatches.BATCH_ROWS) {
      int m = Math.min(ClippedBatches.BATCH_ROWS, to - start);
      // The network reads the first m rows of the reused buffer; the labels are exactly m.
      System.arraycopy(features, start * dim, x, 0, m * dim);
      int[] y = Arrays.copyOfRange(block.labels(), start, start + m);
      userLoss += addGradientSum(net, x, y, m);
    }
    lossSum += userLoss / n;
    ClippedMean.add(sum, n, context.l2NormClip(), sum, exact);
  }

  /** Adds the plain gradient sum of m rows to {@link #sum}; returns their loss sum. */
  private double addGradientSum(Network net, float[] x, int[] y, int m) {
    if (net.dtype() != DataType.FLOAT) {
      BatchGradients g = net.forwardBackward(net.input(x, m), y);
      g.addWeightedSum(null, sum);
      return g.lossSum();
    }
    GradientSums scratch = ExecutorCache.acquireSums(context.spec());
    try {
      double loss;
      try (MemoryWorkspace ws = ExecutorCache.batchWorkspace()) {
        BatchGradients g = net.forwardBackward(net.input(x, m), y);
        g.addWeightedSum(null, scratch);
        loss = g.lossSum();
      }
      scratch.addTo(sum);
      return loss;
    } finally {
      ExecutorCache.releaseSums(scratch);
    }
  }

  private Network floatNetwork() {
    if (floatNetwork == null) {
      floatNetwork = ExecutorCache.network(context.spec(), weights.floats());
    }
    return floatNetwork;
  }

  private Network doubleNetwork() {
    if (doubleNetwork == null) {
      doubleNetwork = new Network(context.spec(), weights.doubles(), DataType.DOUBLE);
    }
    return doubleNetwork;
  }

  /** The exact sum of every added user's clipped mean. */
  ExactSum sum() {
    return exact;
  }

  /** Σ over the added users of their mean loss (unclipped). */
  double lossSum() {
    return lossSum;
  }
}
