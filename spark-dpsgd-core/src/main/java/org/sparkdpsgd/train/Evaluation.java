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
import org.sparkdpsgd.model.WindowScores;

/**
 * Accuracy, mean cross-entropy and the confusion matrix of a classifier on a (test) dataset, or the
 * per-character cross-entropy (perplexity, bits per character) of a language model, computed on the
 * executors block by block. Test data is not what DP-SGD protects; do not evaluate on the training
 * data and publish the result (that is an unprotected release).
 */
public final class Evaluation implements Serializable {
  private final int numClasses;
  private final long[][] confusion;
  private final boolean sequence;
  private double lossSum;
  private long count;

  /** Language models: the predicted characters (non-padding targets) over all windows. */
  private long targets;

  private Evaluation(int numClasses, boolean sequence) {
    this.numClasses = numClasses;
    this.sequence = sequence;
    this.confusion = sequence ? new long[0][0] : new long[numClasses][numClasses];
  }

  public static Evaluation of(TrainingBlocks data, ModelSpec spec, double[] params) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(data.rdd().context());
    Broadcast<double[]> b = jsc.broadcast(params);
    try {
      Supplier<double[]> weights = new BroadcastValue<>(b);
      int k = spec.numClasses();
      return data.rdd()
          .treeAggregate(
              new Evaluation(k, spec.isSequence()),
              (e, block) -> e.add(block, spec, weights),
              Evaluation::merge,
              2);
    } finally {
      b.destroy(false);
    }
  }

  private Evaluation add(ExampleBlock block, ModelSpec spec, Supplier<double[]> weights) {
    Network net = new Network(spec, weights.get(), DataType.FLOAT);
    if (sequence) {
      WindowScores scores = net.sequenceLogLikelihoods(net.input(block.features(), block.rows()));
      for (int i = 0; i < block.rows(); i++) {
        lossSum -= scores.logLikelihoods()[i];
        targets += scores.targets()[i];
      }
      count += block.rows();
      return this;
    }
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
    for (int a = 0; a < confusion.length; a++) {
      for (int p = 0; p < numClasses; p++) {
        confusion[a][p] += o.confusion[a][p];
      }
    }
    lossSum += o.lossSum;
    count += o.count;
    targets += o.targets;
    return this;
  }

  /** Whether this evaluates a language model (per-character scores, no accuracy). */
  public boolean languageModel() {
    return sequence;
  }

  /** Language models: the characters predicted, over all windows. */
  public long targets() {
    return targets;
  }

  /** Language models: exp of the mean cross-entropy per predicted character. */
  public double perplexity() {
    return Math.exp(meanLoss());
  }

  /** Language models: the mean cross-entropy per predicted character in bits. */
  public double bitsPerCharacter() {
    return meanLoss() / Math.log(2);
  }

  /** Classifiers' top-1 accuracy (NaN for a language model). */
  public double accuracy() {
    if (sequence) {
      return Double.NaN;
    }
    long correct = 0;
    for (int c = 0; c < numClasses; c++) {
      correct += confusion[c][c];
    }
    return count == 0 ? Double.NaN : (double) correct / count;
  }

  /** Mean cross-entropy in nats: per example, or per predicted character for a language model. */
  public double meanLoss() {
    long n = sequence ? targets : count;
    return n == 0 ? Double.NaN : lossSum / n;
  }

  /** Examples (windows, for a language model). */
  public long count() {
    return count;
  }

  /** confusion[actual][predicted]. */
  public long[][] confusionMatrix() {
    if (sequence) {
      return new long[0][];
    }
    long[][] copy = new long[numClasses][];
    for (int c = 0; c < numClasses; c++) {
      copy[c] = confusion[c].clone();
    }
    return copy;
  }

  /** Accuracy per actual class (NaN for a class absent from the data). */
  public double[] perClassAccuracy() {
    if (sequence) {
      return new double[0];
    }
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
