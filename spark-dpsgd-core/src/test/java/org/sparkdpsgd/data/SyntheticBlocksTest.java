package org.sparkdpsgd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.TrainingResult;

class SyntheticBlocksTest {
  @Test
  void blocksAreCachedWithIdsAndRowsAsPackedDataHasThem() {
    try (TrainingBlocks data =
        SyntheticBlocks.generate(SparkTestSession.jsc(), 10_001, 7, 3, 1000, 5)) {
      assertEquals(10_001, data.numExamples());
      assertEquals(7, data.dim());
      assertEquals(3, data.numClasses());
      assertEquals(StorageLevel.MEMORY_AND_DISK(), data.rdd().getStorageLevel());
      assertEquals(2, data.rdd().getNumPartitions(), "one partition per core of local[2]");
      List<ExampleBlock> blocks = sorted(data.rdd().collect());
      assertEquals(11, blocks.size());
      for (int b = 0; b < blocks.size(); b++) {
        assertEquals(
            b, blocks.get(b).blockId(), "ids 0, 1, ... (Poisson samples are keyed by them)");
        assertEquals(b < 10 ? 1000 : 1, blocks.get(b).rows(), "block " + b);
      }
      // A lost block is regenerated as it was: the same rows, the same labels.
      var master = SparkTestSession.get().sparkContext().env().blockManager().master();
      assertTrue(master.getLocations(new RDDBlockId(data.rdd().id(), 0)).nonEmpty());
      master.removeRdd(data.rdd().id(), true);
      List<ExampleBlock> again = sorted(data.rdd().collect());
      for (int b = 0; b < blocks.size(); b++) {
        assertArrayEquals(blocks.get(b).features(), again.get(b).features(), "block " + b);
        assertArrayEquals(blocks.get(b).labels(), again.get(b).labels(), "block " + b);
      }
    }
  }

  @Test
  void blocksDependOnSeedAndIdOnly() {
    ExampleBlock a = SyntheticBlocks.block(1, 4, 100, 5, 10);
    assertArrayEquals(a.features(), SyntheticBlocks.block(1, 4, 100, 5, 10).features());
    assertArrayEquals(a.labels(), SyntheticBlocks.block(1, 4, 100, 5, 10).labels());
    assertFalse(Arrays.equals(a.features(), SyntheticBlocks.block(1, 5, 100, 5, 10).features()));
    assertFalse(Arrays.equals(a.features(), SyntheticBlocks.block(2, 4, 100, 5, 10).features()));
  }

  /**
   * Features are standard normal and each label is drawn from the teacher's softmax, so the mean of
   * the teacher's largest class probability is its expected accuracy. 20,000 rows, 10 classes:
   * feature mean and variance within 5 standard errors (0.0035, 0.005); accuracy within 5 standard
   * errors of a Bernoulli mean (at most 0.0036). False-failure probability about 1e-6 overall.
   */
  @Test
  void labelsFollowTheLogisticTeacher() {
    int rows = 20_000;
    int dim = 20;
    int classes = 10;
    ExampleBlock b = SyntheticBlocks.block(3, 0, rows, dim, classes);
    double sum = 0;
    double sumSq = 0;
    for (float v : b.features()) {
      sum += v;
      sumSq += (double) v * v;
    }
    int n = rows * dim;
    assertEquals(0, sum / n, 5 / Math.sqrt(n), "feature mean");
    assertEquals(1, sumSq / n, 5 * Math.sqrt(2.0 / n), "feature variance");
    float[] w = SyntheticBlocks.teacher(3, dim, classes);
    double[] logits = new double[classes];
    double expectedAccuracy = 0;
    int right = 0;
    int[] perClass = new int[classes];
    for (int r = 0; r < rows; r++) {
      SyntheticBlocks.teacherLogits(w, b.features(), r * dim, dim, logits);
      double max = Arrays.stream(logits).max().orElseThrow();
      double total = Arrays.stream(logits).map(l -> Math.exp(l - max)).sum();
      expectedAccuracy += 1 / total; // the largest probability, exp(0) / total
      int best = 0;
      for (int k = 1; k < classes; k++) {
        best = logits[k] > logits[best] ? k : best;
      }
      right += best == b.labels()[r] ? 1 : 0;
      perClass[b.labels()[r]]++;
    }
    expectedAccuracy /= rows;
    assertEquals(expectedAccuracy, (double) right / rows, 5 * 0.5 / Math.sqrt(rows), "accuracy");
    assertTrue(expectedAccuracy > 0.4 && expectedAccuracy < 0.9, "neither trivial nor hopeless");
    for (int k = 0; k < classes; k++) {
      assertTrue(perClass[k] > 0, "class " + k + " occurs");
    }
  }

  /** Logistic regression learns the teacher: far above chance (10%), close to the teacher. */
  @Test
  void logisticRegressionLearnsTheTeacher() {
    int dim = 10;
    try (TrainingBlocks train =
        SyntheticBlocks.generate(SparkTestSession.jsc(), 20_000, dim, 10, 4096, 8)) {
      DpSgdConfig config =
          new DpSgdConfig()
              .hiddenLayers(new int[0]) // no hidden layer: logistic regression
              .nonPrivate(true)
              .expectedBatchSize(4000)
              .steps(40)
              .optimizer(new OptimizerSpec("momentum", 1.0, 0.9, 0.9, 0.999, 1e-8));
      TrainingResult r = new DpSgdTrainer(config).fit(train);
      double accuracy = Evaluation.of(train, r.spec(), r.params()).accuracy();
      double teacher = SyntheticBlocks.teacherAccuracy(8, dim, 10, 4096);
      assertTrue(accuracy > teacher - 0.05, "accuracy " + accuracy + ", teacher " + teacher);
    }
  }

  private static List<ExampleBlock> sorted(List<ExampleBlock> blocks) {
    return blocks.stream().sorted(Comparator.comparingLong(ExampleBlock::blockId)).toList();
  }
}
