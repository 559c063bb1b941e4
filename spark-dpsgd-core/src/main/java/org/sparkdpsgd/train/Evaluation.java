package org.sparkdpsgd.train;

import java.io.Serializable;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.model.SoftmaxCrossEntropy;

/**
 * Accuracy, mean cross-entropy and the confusion matrix of a model on a (test) dataset, computed on
 * the executors block by block. Test data is not what DP-SGD protects; do not evaluate on the
 * training data and publish the result (that is an unprotected release).
 */
public final class Evaluation implements Serializable {
  private final int numClasses;
  private final long[][] confusion;
  private double lossSum;
  private long count;

  private Evaluation(int numClasses) {
    this.numClasses = numClasses;
    this.confusion = new long[numClasses][numClasses];
  }

  public static Evaluation of(TrainingBlocks data, ModelSpec spec, double[] params) {
    if (spec.isSequence()) {
      // Classes per row do not apply; a language model is scored per window instead.
      throw new IllegalArgumentException(
          spec + " is a language model: score it with Network.sequenceLogLikelihoods");
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(data.rdd().context());
    Broadcast<double[]> b = jsc.broadcast(params);
    try {
      Supplier<double[]> weights = new BroadcastValue<>(b);
      int k = spec.numClasses();
      return data.rdd()
          .treeAggregate(
              new Evaluation(k), (e, block) -> e.add(block, spec, weights), Evaluation::merge, 2);
    } finally {
      b.destroy(false);
    }
  }

  private Evaluation add(ExampleBlock block, ModelSpec spec, Supplier<double[]> weights) {
    Network net = new Network(spec, weights.get(), DataType.FLOAT);
    INDArray logProbs =
        SoftmaxCrossEntropy.logSoftmax(net.logits(net.input(block.features(), block.rows())));
    double[][] lp = logProbs.toDoubleMatrix();
    for (int i = 0; i < block.rows(); i++) {
      int label = block.labels()[i];
      int predicted = 0;
      for (int c = 1; c < numClasses; c++) {
        if (lp[i][c] > lp[i][predicted]) {
          predicted = c;
        }
      }
      confusion[label][predicted]++;
      lossSum -= lp[i][label];
    }
    count += block.rows();
    return this;
  }

  private Evaluation merge(Evaluation o) {
    for (int a = 0; a < numClasses; a++) {
      for (int p = 0; p < numClasses; p++) {
        confusion[a][p] += o.confusion[a][p];
      }
    }
    lossSum += o.lossSum;
    count += o.count;
    return this;
  }

  public double accuracy() {
    long correct = 0;
    for (int c = 0; c < numClasses; c++) {
      correct += confusion[c][c];
    }
    return count == 0 ? Double.NaN : (double) correct / count;
  }

  public double meanLoss() {
    return count == 0 ? Double.NaN : lossSum / count;
  }

  public long count() {
    return count;
  }

  /** confusion[actual][predicted]. */
  public long[][] confusionMatrix() {
    long[][] copy = new long[numClasses][];
    for (int c = 0; c < numClasses; c++) {
      copy[c] = confusion[c].clone();
    }
    return copy;
  }

  /** Accuracy per actual class (NaN for a class absent from the data). */
  public double[] perClassAccuracy() {
    double[] acc = new double[numClasses];
    for (int c = 0; c < numClasses; c++) {
      long total = 0;
      for (long v : confusion[c]) {
        total += v;
      }
      acc[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
    }
    return acc;
  }
}
