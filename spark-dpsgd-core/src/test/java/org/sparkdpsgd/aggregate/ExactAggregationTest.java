package org.sparkdpsgd.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
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
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.train.DistributedStep;

/**
 * Exact aggregation: on the float path used in training, the step's sum is bit-identical whatever
 * the treeAggregate depth, the order in which partial sums are merged, and task retries; the same
 * partial sums added in floating point are not.
 */
class ExactAggregationTest {
  static TrainingBlocks data;
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
  }

  @AfterAll
  static void tearDown() {
    data.close();
  }

  private static StepContext context() {
    return new StepContext(
        SPEC, 0.7, 0.3, SamplingKey.forTesting(42), 5, false, data.numExamples());
  }

  @Test
  void treeAggregateDepthsOneToThreeGiveTheSameBits() {
    JavaRDD<ExampleBlock> spread = data.rdd().repartition(8).cache();
    try {
      double[] depth1 = DistributedStep.run(spread, context(), PARAMS, 1).gradientSum();
      for (int depth = 2; depth <= 3; depth++) {
        assertArrayEquals(
            depth1,
            DistributedStep.run(spread, context(), PARAMS, depth).gradientSum(),
            0.0,
            "depth " + depth);
      }
      assertTrue(Arrays.stream(depth1).anyMatch(v -> v != 0), "something was sampled");
    } finally {
      spread.unpersist();
    }
  }

  @Test
  void shuffledMergeOrdersGiveTheSameBitsWhereFloatingPointSumsDiffer() {
    List<ExampleBlock> blocks = data.rdd().collect();
    assertTrue(blocks.size() >= 20, "blocks: " + blocks.size());
    Supplier<double[]> weights = (Supplier<double[]> & Serializable) () -> PARAMS;
    double[] reference = null;
    boolean floatingPointDiffered = false;
    double[] floatingReference = null;
    Random rng = new Random(11);
    for (int round = 0; round < 20; round++) {
      List<ExampleBlock> order = new ArrayList<>(blocks);
      Collections.shuffle(order, rng);
      // Exact: one aggregator per block, merged pairwise in a random tree.
      List<ClippedGradientAggregator> parts = new ArrayList<>();
      for (ExampleBlock b : order) {
        parts.add(new ClippedGradientAggregator(context(), weights).add(b));
      }
      while (parts.size() > 1) {
        int i = rng.nextInt(parts.size() - 1);
        parts.set(i, parts.get(i).merge(parts.remove(i + 1)));
      }
      double[] exact = parts.get(0).gradientSum();
      // Floating point: the same per-block sums added in the same order.
      double[] floating = new double[SPEC.numParams()];
      for (ExampleBlock b : order) {
        double[] part = new ClippedGradientAggregator(context(), weights).add(b).gradientSum();
        for (int k = 0; k < part.length; k++) {
          floating[k] += part[k];
        }
      }
      if (reference == null) {
        reference = exact;
        floatingReference = floating;
      } else {
        assertArrayEquals(reference, exact, 0.0, "merge order of round " + round);
        floatingPointDiffered |= !Arrays.equals(floatingReference, floating);
      }
    }
    assertTrue(
        floatingPointDiffered,
        "floating-point sums of the same parts were order-independent: the test "
            + "would not notice a non-exact merge");
  }

  /** A task that fails after computing its sum is retried, and the step's sum keeps its bits. */
  @Test
  void aRetriedTaskGivesTheSameBits() {
    double[] clean = DistributedStep.run(data.rdd(), context(), PARAMS, 2).gradientSum();
    JavaRDD<ExampleBlock> failingOnce =
        data.rdd()
            .map(
                b -> {
                  if (TaskContext.get().attemptNumber() == 0 && TaskContext.getPartitionId() == 0) {
                    throw new IllegalStateException("injected failure, first attempt only");
                  }
                  return b;
                });
    assertArrayEquals(
        clean, DistributedStep.run(failingOnce, context(), PARAMS, 2).gradientSum(), 0.0);
  }

  @Test
  void fixedPointUnitLeavesRoomForTwiceTheLargestSum() {
    StepContext ctx = new StepContext(SPEC, 0.5, 0.1, SamplingKey.forTesting(1), 1, false, 60_000);
    assertEquals(0.5 * 0x1p-45, ctx.fixedPointUnit(), 0.0);
    assertTrue(ExactSum.LIMIT * ctx.fixedPointUnit() >= 2 * 60_001 * 0.5);
    // One more bit of headroom past a power of two.
    StepContext big = new StepContext(SPEC, 1.0, 0.1, SamplingKey.forTesting(1), 1, false, 65_536);
    assertEquals(0x1p-44, big.fixedPointUnit(), 0.0);
    double[] extreme = new double[] {60_000 * 0.5, -60_000 * 0.5};
    ExactSum a = ExactSum.of(extreme, ctx.fixedPointUnit());
    assertArrayEquals(
        extreme, a.copy().add(ExactSum.of(new double[2], ctx.fixedPointUnit())).toDoubles(), 0.0);
    assertThrows(
        IllegalStateException.class, () -> ExactSum.of(new double[] {1e300}, ctx.fixedPointUnit()));
    assertThrows(
        ArithmeticException.class,
        () -> {
          ExactSum s =
              ExactSum.of(new double[] {0x1p61 * ctx.fixedPointUnit()}, ctx.fixedPointUnit());
          for (int i = 0; i < 4; i++) {
            s.add(s.copy());
          }
        });
  }

  /** The grid's rounding adds a negligible amount to the sensitivity of the MLP recipe's sum. */
  @Test
  void sensitivityOfTheMlpRecipeIsCPlusANegligibleRounding() {
    int mlpParams = ModelSpec.mlp(784, new int[] {256}, Activation.TANH, 10).numParams();
    double unit = StepContext.fixedPointUnit(1.0, 60_000);
    double sensitivity = ExactSum.sensitivity(1.0, mlpParams, unit);
    assertTrue(sensitivity > 1.0 && sensitivity < 1 + 2e-11, "sensitivity " + sensitivity);
  }
}
