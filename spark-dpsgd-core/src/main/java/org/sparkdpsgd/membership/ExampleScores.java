package org.sparkdpsgd.membership;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.model.SoftmaxCrossEntropy;
import org.sparkdpsgd.model.WindowScores;

/**
 * Two numbers per example under a trained model, computed on the executors block by block, in the
 * order of block ids and then rows:
 *
 * <ul>
 *   <li>the loss training minimises: a classifier's −log p(y), a language model's mean
 *       cross-entropy per predicted character (0 for a window without targets);
 *   <li>the statistic LiRA fits Gaussians to: a classifier's logit-scaled confidence log(p(y) / (1
 *       − p(y))), computed as log p(y) − log Σ_{j≠y} p(j) so that it stays finite when p(y) rounds
 *       to 1; a language model's −loss.
 * </ul>
 *
 * The log-probabilities come from the model's own code ({@link Network#logits}, {@link
 * SoftmaxCrossEntropy#logSoftmax}, {@link Network#sequenceLogLikelihoods}), as {@link
 * org.sparkdpsgd.train.Evaluation} uses it.
 */
record ExampleScores(double[] losses, double[] statistics) {
  /** One block's scores, keyed by its id. */
  private record BlockScores(long blockId, double[] losses, double[] statistics)
      implements Serializable {}

  static ExampleScores of(TrainingBlocks examples, ModelSpec spec, double[] params) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(examples.rdd().context());
    Broadcast<double[]> weights = jsc.broadcast(params);
    try {
      List<BlockScores> blocks = examples.rdd().map(b -> score(b, spec, weights.value())).collect();
      int n = blocks.stream().mapToInt(b -> b.losses().length).sum();
      double[] losses = new double[n];
      double[] statistics = new double[n];
      int at = 0;
      for (BlockScores b :
          blocks.stream().sorted(Comparator.comparingLong(BlockScores::blockId)).toList()) {
        System.arraycopy(b.losses(), 0, losses, at, b.losses().length);
        System.arraycopy(b.statistics(), 0, statistics, at, b.statistics().length);
        at += b.losses().length;
      }
      return new ExampleScores(losses, statistics);
    } finally {
      weights.destroy(false);
    }
  }

  private static BlockScores score(ExampleBlock block, ModelSpec spec, double[] params) {
    Network net = new Network(spec, params, DataType.FLOAT);
    INDArray x = net.input(block.features(), block.rows());
    int m = block.rows();
    double[] losses = new double[m];
    double[] statistics = new double[m];
    if (spec.isSequence()) {
      WindowScores w = net.sequenceLogLikelihoods(x);
      for (int i = 0; i < m; i++) {
        int t = w.targets()[i];
        losses[i] = t == 0 ? 0 : -w.logLikelihoods()[i] / t;
        statistics[i] = -losses[i];
      }
    } else {
      double[][] lp = SoftmaxCrossEntropy.logSoftmax(net.logits(x)).toDoubleMatrix();
      for (int i = 0; i < m; i++) {
        int y = block.labels()[i];
        losses[i] = -lp[i][y];
        statistics[i] = lp[i][y] - logSumExpExcept(lp[i], y);
      }
    }
    return new BlockScores(block.blockId(), losses, statistics);
  }

  /** log Σ_{j≠y} exp(v_j), with the largest term factored out. */
  static double logSumExpExcept(double[] v, int y) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < v.length; j++) {
      if (j != y) {
        max = Math.max(max, v[j]);
      }
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int j = 0; j < v.length; j++) {
      if (j != y) {
        sum += Math.exp(v[j] - max);
      }
    }
    return max + Math.log(sum);
  }
}
