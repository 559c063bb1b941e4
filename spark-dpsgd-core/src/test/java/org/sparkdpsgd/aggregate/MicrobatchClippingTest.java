package org.sparkdpsgd.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.MicrobatchAssignment;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.train.DistributedStep;

/**
 * Microbatches (TF Privacy's num_microbatches): each microbatch's mean gradient is clipped to C,
 * one example moves the released sum by at most 2C, a microbatch of one example is clipped as that
 * example would be, and the distributed step equals a local fold.
 */
class MicrobatchClippingTest {
  static final ModelSpec SPEC = ModelSpec.mlp(6, new int[] {5}, Activation.TANH, 3);
  static TrainingBlocks data;

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

  /** Random microbatch sums with norms from 1e-3 to 1e6 times C and counts from 1 to 50. */
  private static MicrobatchSums randomSums(Random rng, int m, int d) {
    MicrobatchSums s = new MicrobatchSums(m, d);
    for (int j = 0; j < m; j++) {
      if (rng.nextInt(4) == 0) {
        continue; // empty microbatch
      }
      double scale = Math.pow(10, -3 + 9 * rng.nextDouble());
      double[] sum = s.sum(j);
      for (int k = 0; k < d; k++) {
        sum[k] = scale * rng.nextGaussian();
      }
      s.addCount(j, 1 + rng.nextInt(50));
    }
    return s;
  }

  private static double norm(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  private static double distance(double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += (a[k] - b[k]) * (a[k] - b[k]);
    }
    return Math.sqrt(s);
  }

  /**
   * The clipping bound per microbatch: a microbatch alone contributes at most C (its mean clipped),
   * and the mean of a small-norm microbatch is passed unchanged (sum / count, not sum).
   */
  @Test
  void eachMicrobatchContributesItsMeanClippedToAtMostC() {
    Random rng = new Random(11);
    double clip = 0.7;
    double unit = StepContext.fixedPointUnit(clip, 10_000);
    int d = 40;
    for (int trial = 0; trial < 500; trial++) {
      MicrobatchSums one = randomSums(rng, 1, d);
      ExactSum clipped = one.clippedSum(clip, unit);
      if (one.nonEmpty() == 0) {
        assertEquals(null, clipped);
        continue;
      }
      double[] out = clipped.toDoubles();
      assertTrue(norm(out) <= clip + Math.sqrt(d) * unit, "norm " + norm(out) + " > C");
    }
    MicrobatchSums small = new MicrobatchSums(3, 2);
    small.sum(1)[0] = 0.3;
    small.sum(1)[1] = -0.6;
    small.addCount(1, 3);
    assertArrayEquals(new double[] {0.1, -0.2}, small.clippedSum(clip, unit).toDoubles(), 1e-12);
  }

  /**
   * Add-or-remove-one: adding one example (any gradient, up to 1e8·C) to one microbatch, empty or
   * not, moves the released sum by at most 2C plus the grid's rounding; the other microbatches are
   * unchanged. This is the sensitivity the accountant's σ/2 is for.
   */
  @Test
  void oneExampleMovesTheReleasedSumByAtMostTwoC() {
    Random rng = new Random(12);
    double clip = 1.3;
    double unit = StepContext.fixedPointUnit(clip, 10_000);
    int m = 8;
    int d = 30;
    double largest = 0;
    for (int trial = 0; trial < 400; trial++) {
      MicrobatchSums before = randomSums(rng, m, d);
      MicrobatchSums after = new MicrobatchSums(m, d).merge(before);
      int j = rng.nextInt(m);
      double scale = Math.pow(10, -2 + 10 * rng.nextDouble());
      double[] example = new double[d];
      for (int k = 0; k < d; k++) {
        example[k] = scale * rng.nextGaussian();
        after.sum(j)[k] += example[k];
      }
      after.addCount(j, 1);
      double[] s0 = orZeros(before.clippedSum(clip, unit), d);
      double[] s1 = orZeros(after.clippedSum(clip, unit), d);
      double moved = distance(s0, s1);
      largest = Math.max(largest, moved);
      assertTrue(moved <= 2 * clip + Math.sqrt(d) * unit, "moved " + moved + " > 2C");
    }
    // Not vacuous: some neighbours do move the sum by more than C (a replacement-like flip).
    assertTrue(largest > clip, "largest move " + largest);
  }

  private static double[] orZeros(ExactSum s, int d) {
    return s == null ? new double[d] : s.toDoubles();
  }

  /** A testing key whose assignment of the sampled rows puts no two in one microbatch. */
  private static SamplingKey keyWithoutCollisions(List<ExampleBlock> blocks, int m) {
    for (long seed = 1; ; seed++) {
      SamplingKey key = SamplingKey.forTesting(seed);
      MicrobatchAssignment a = MicrobatchAssignment.forStep(key, 1);
      Set<Integer> seen = new HashSet<>();
      boolean distinct = true;
      for (ExampleBlock b : blocks) {
        for (int j : a.assign(b.blockId(), b.rows(), m)) {
          distinct &= seen.add(j);
        }
      }
      if (distinct) {
        return key;
      }
    }
  }

  /**
   * With one example per microbatch, clipping each microbatch's mean is clipping each example: the
   * microbatch sum equals the per-example clipped sum of the same sample (q = 1, a key whose
   * assignment has no collision), up to the clip margin's rounding.
   */
  @Test
  void oneExamplePerMicrobatchEqualsPerExampleClipping() {
    Random rng = new Random(3);
    float[] x = new float[12 * 6];
    int[] y = new int[12];
    for (int i = 0; i < 12; i++) {
      for (int k = 0; k < 6; k++) {
        x[i * 6 + k] = (float) (3 * rng.nextGaussian());
      }
      y[i] = i % 3;
    }
    List<ExampleBlock> blocks =
        List.of(
            new ExampleBlock(
                0, 5, 6, java.util.Arrays.copyOf(x, 30), java.util.Arrays.copyOf(y, 5)),
            new ExampleBlock(
                1,
                7,
                6,
                java.util.Arrays.copyOfRange(x, 30, 72),
                java.util.Arrays.copyOfRange(y, 5, 12)));
    int m = 1024;
    SamplingKey key = keyWithoutCollisions(blocks, m);
    double[] w = SPEC.initialParams(9);
    Supplier<double[]> weights = (Supplier<double[]> & Serializable) () -> w;
    double clip = 0.05; // small enough that every example is clipped
    ClippedGradientAggregator perExample =
        new ClippedGradientAggregator(new StepContext(SPEC, clip, 1.0, key, 1, true, 12), weights);
    ClippedGradientAggregator micro =
        new ClippedGradientAggregator(
            new StepContext(SPEC, clip, 1.0, key, 1, true, 12, m), weights);
    for (ExampleBlock b : blocks) {
      perExample.add(b);
      micro.add(b);
    }
    assertEquals(12, micro.nonEmptyMicrobatches());
    double[] expected = perExample.gradientSum();
    double[] actual = micro.gradientSum();
    assertTrue(norm(expected) > clip, "the sum is not trivial");
    assertArrayEquals(expected, actual, 1e-9 * clip);
    assertEquals(perExample.lossSum(), micro.lossSum(), 1e-9);
  }

  /**
   * The cluster's microbatch sum (several partitions, one plain job and a tree; the unclipped sums
   * travel serialised) equals a local fold of the same blocks: microbatches span tasks and are
   * clipped after the merge.
   */
  @Test
  void distributedMicrobatchSumEqualsLocalFold() {
    double[] params = SPEC.initialParams(3);
    StepContext ctx = new StepContext(SPEC, 0.7, 0.1, SamplingKey.forTesting(42), 5, true, 3000, 8);
    JavaRDD<ExampleBlock> spread = data.rdd().repartition(12).cache();
    assertTrue(DistributedStep.needsTree(12, 2));
    ClippedGradientAggregator oneJob = DistributedStep.run(spread, ctx, params, 1);
    ClippedGradientAggregator tree = DistributedStep.run(spread, ctx, params, 2);
    spread.unpersist();

    Supplier<double[]> local = (Supplier<double[]> & Serializable) () -> params;
    ClippedGradientAggregator folded = new ClippedGradientAggregator(ctx, local);
    for (ExampleBlock b : data.rdd().collect()) {
      folded.add(b);
    }
    assertEquals(8, folded.nonEmptyMicrobatches(), "300 sampled rows fill all 8 microbatches");
    double[] expected = folded.gradientSum();
    assertTrue(norm(expected) <= 8 * 0.7 + 1e-9, "at most M·C");
    assertTrue(norm(expected) > 0.7, "the clipped means do not cancel");
    assertArrayEquals(expected, oneJob.gradientSum(), 1e-9);
    assertArrayEquals(expected, tree.gradientSum(), 1e-9);
    assertEquals(folded.lossSum(), tree.lossSum(), 1e-9);
  }
}
