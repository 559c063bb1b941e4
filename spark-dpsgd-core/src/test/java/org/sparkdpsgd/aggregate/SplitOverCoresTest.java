package org.sparkdpsgd.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.SamplingKey;

/**
 * A task with several cores splits its blocks over them ({@link ClippedGradientAggregator#addAll}):
 * the result is, bit for bit, the exact merge of the parts each computed and rounded alone (blocks
 * dealt out by position), as if each part were a task; so it keeps the sensitivity argument of
 * {@link ExactSum}. The split is visible: one float running sum over all blocks differs in its last
 * bits. That the tasks of a real Spark context with {@code spark.task.cpus = 2} use it is {@code
 * TaskCoresTest}'s.
 */
class SplitOverCoresTest {
  static TrainingBlocks data;
  static List<ExampleBlock> blocks;
  static final ModelSpec SPEC = ModelSpec.mlp(6, new int[] {5}, Activation.TANH, 3);
  static final double[] PARAMS = SPEC.initialParams(3);

  @BeforeAll
  static void setUp() {
    data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(6000, 6, 3, 1, 4),
            "features",
            "label",
            0,
            0,
            200,
            "test data");
    blocks = data.rdd().collect();
  }

  @AfterAll
  static void tearDown() {
    data.close();
  }

  private static StepContext context(int microbatches) {
    return new StepContext(
        SPEC, 0.7, 0.3, SamplingKey.forTesting(42), 5, false, data.numExamples(), microbatches);
  }

  private static ClippedGradientAggregator fresh(StepContext c) {
    return ClippedGradientAggregator.of(c, () -> StepWeights.forStep(c, PARAMS));
  }

  /** Parts computed one after the other on this thread: part j takes blocks j, j + n, ... */
  private static ClippedGradientAggregator partsMerged(StepContext c, int n) {
    ClippedGradientAggregator total = fresh(c);
    for (int j = 0; j < n; j++) {
      ClippedGradientAggregator part = fresh(c);
      for (int k = j; k < blocks.size(); k += n) {
        part.add(blocks.get(k));
      }
      total.merge(part);
    }
    return total;
  }

  @Test
  void twoAndThreeThreadsGiveTheExactMergeOfTheirParts() {
    assertTrue(blocks.size() >= 6, "enough blocks to split: " + blocks.size());
    StepContext c = context(0);
    for (int threads : new int[] {2, 3}) {
      ClippedGradientAggregator split = fresh(c).addAll(blocks, threads);
      ClippedGradientAggregator expected = partsMerged(c, threads);
      assertArrayEquals(
          expected.gradientSum(), split.gradientSum(), 0.0, threads + " threads, bit for bit");
      assertEquals(expected.lossSum(), split.lossSum(), 1e-9 * Math.abs(expected.lossSum()));
    }
  }

  @Test
  void theSplitIsRealAndOnlyMovesTheLastBits() {
    StepContext c = context(0);
    double[] split = fresh(c).addAll(blocks, 2).gradientSum();
    double[] whole = fresh(c).addAll(blocks, 1).gradientSum();
    assertFalse(Arrays.equals(split, whole), "one float running sum rounds differently");
    double scale = Arrays.stream(whole).map(Math::abs).max().orElse(0);
    assertTrue(scale > 0, "something was sampled");
    for (int k = 0; k < whole.length; k++) {
      assertEquals(whole[k], split[k], 1e-5 * scale, "coordinate " + k);
    }
  }

  @Test
  void microbatchStepsSplitToo() {
    StepContext c = context(4);
    assertArrayEquals(
        partsMerged(c, 2).gradientSum(), fresh(c).addAll(blocks, 2).gradientSum(), 0.0);
  }

  @Test
  void oneBlockOrOneThreadAddsOnTheCallingThread() {
    StepContext c = context(0);
    ClippedGradientAggregator one = fresh(c).addAll(blocks.subList(0, 1), 4);
    ClippedGradientAggregator plain = fresh(c).add(blocks.get(0));
    assertArrayEquals(plain.gradientSum(), one.gradientSum(), 0.0);
  }
}
