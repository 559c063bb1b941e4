package org.sparkdpsgd.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.PoissonSampler;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.train.DistributedStep;

/** The distributed step (local[2], several partitions) equals a local fold of the same blocks. */
class DistributedStepTest {
  static TrainingBlocks data;
  static final ModelSpec SPEC = ModelSpec.mlp(6, new int[] {5}, Activation.TANH, 3);

  @BeforeAll
  static void setUp() {
    data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(3000, 6, 3, 1, 4),
            "features",
            "label",
            0,
            0,
            256,
            "test data");
  }

  @AfterAll
  static void tearDown() {
    data.close();
  }

  @Test
  void distributedSumEqualsLocalFoldOfTheSameSample() {
    double[] params = SPEC.initialParams(3);
    StepContext ctx = new StepContext(SPEC, 0.7, 0.1, SamplingKey.forTesting(42), 5, true, 3000);
    // Several partitions (more than the two cores), and tree aggregation with depth 2 and 3.
    JavaRDD<ExampleBlock> spread = data.rdd().repartition(5).cache();
    assertTrue(spread.getNumPartitions() >= 4);

    ClippedGradientAggregator distributed = DistributedStep.run(spread, ctx, params, 2);
    ClippedGradientAggregator deeper = DistributedStep.run(spread, ctx, params, 3);
    spread.unpersist();

    Supplier<double[]> local = (Supplier<double[]> & Serializable) () -> params;
    ClippedGradientAggregator folded = new ClippedGradientAggregator(ctx, local);
    List<ExampleBlock> blocks = data.rdd().collect();
    for (ExampleBlock b : blocks) {
      folded.add(b);
    }
    assertArrayEquals(folded.gradientSum(), distributed.gradientSum(), 1e-9);
    assertArrayEquals(folded.gradientSum(), deeper.gradientSum(), 1e-9);
    assertEquals(folded.lossSum(), distributed.lossSum(), 1e-9);
    assertTrue(folded.lossSum() > 0, "some examples were sampled");
  }

  /**
   * Both ways a step reaches the driver: one plain job (few partitions) and Spark's treeAggregate
   * (many), in float, where executors get float weights: each equals, bit for bit, a local fold of
   * each partition's blocks with the same weights, merged (sums are exact, in fixed point; within a
   * partition float sums depend on how rows were batched, so the fold follows the partitions).
   */
  @Test
  void floatStepsEqualTheLocalFoldExactlyWithOneJobAndWithATree() {
    double[] params = SPEC.initialParams(5);
    StepContext ctx = new StepContext(SPEC, 0.7, 0.3, SamplingKey.forTesting(7), 3, false, 3000);
    Supplier<double[]> local = (Supplier<double[]> & Serializable) () -> params;
    for (int partitions : new int[] {2, 12}) {
      JavaRDD<ExampleBlock> spread = data.rdd().repartition(partitions).cache();
      assertEquals(partitions > 5, DistributedStep.needsTree(spread.getNumPartitions(), 2));
      ClippedGradientAggregator distributed = DistributedStep.run(spread, ctx, params, 2);
      ClippedGradientAggregator folded = new ClippedGradientAggregator(ctx, local);
      for (List<ExampleBlock> partition : spread.glom().collect()) {
        ClippedGradientAggregator task = new ClippedGradientAggregator(ctx, local);
        partition.forEach(task::add);
        folded.merge(task);
      }
      spread.unpersist();
      assertArrayEquals(folded.gradientSum(), distributed.gradientSum(), 0.0, "" + partitions);
      assertEquals(folded.lossSum(), distributed.lossSum(), 1e-9);
    }
  }

  /** Spark's rule for adding a level to treeAggregate, on known cases. */
  @Test
  void aTreeOnlyWhereSparkWouldAddALevel() {
    assertFalse(DistributedStep.needsTree(2, 2));
    assertFalse(DistributedStep.needsTree(5, 2)); // scale 3: 5 > 3 + 2 is false
    assertTrue(DistributedStep.needsTree(6, 2)); // scale 3: 6 > 3 + 2
    assertFalse(DistributedStep.needsTree(100, 1));
    assertTrue(DistributedStep.needsTree(12, 3)); // scale 3: 12 > 3 + 4
  }

  @Test
  void mergingAnEmptyAggregatorIsANoOp() {
    double[] params = SPEC.initialParams(3);
    Supplier<double[]> local = (Supplier<double[]> & Serializable) () -> params;
    StepContext ctx = new StepContext(SPEC, 0.7, 0.5, SamplingKey.forTesting(1), 1, true, 3000);
    ClippedGradientAggregator a = new ClippedGradientAggregator(ctx, local);
    a.add(data.rdd().first());
    double[] before = a.gradientSum();
    double loss = a.lossSum();
    a.merge(new ClippedGradientAggregator(ctx, local));
    assertArrayEquals(before, a.gradientSum(), 0.0);
    assertEquals(loss, a.lossSum(), 0.0);
    ClippedGradientAggregator empty = new ClippedGradientAggregator(ctx, local).merge(a);
    assertArrayEquals(before, empty.gradientSum(), 0.0);
  }

  /** A task that fails on its first attempt is retried by Spark and draws the same sample. */
  @Test
  void aRetriedTaskDrawsTheSameSample() {
    SamplingKey key = SamplingKey.forTesting(99);
    long step = 17;
    double q = 0.2;
    JavaRDD<ExampleBlock> blocks = data.rdd();
    List<String> expected = blocks.map(b -> describeSample(key, step, q, b)).collect();
    List<String> withRetry =
        blocks
            .map(
                b -> {
                  String sample = describeSample(key, step, q, b);
                  if (TaskContext.get().attemptNumber() == 0 && TaskContext.getPartitionId() == 1) {
                    throw new IllegalStateException(
                        "injected failure after sampling, first attempt only");
                  }
                  return sample;
                })
            .collect();
    assertEquals(expected, withRetry);
  }

  private static String describeSample(SamplingKey key, long step, double q, ExampleBlock b) {
    return b.blockId()
        + ":"
        + java.util.Arrays.toString(PoissonSampler.sample(key, step, b.blockId(), b.rows(), q));
  }
}
