package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The trainer hands out the model as published (the weight average under EMA) at evenly spaced
 * steps ending with the last, for the report's test curves.
 */
class ModelSnapshotsTest {
  @Test
  void snapshotStepsAreEvenlySpacedCountedAndEndWithTheLast() {
    for (long steps : new long[] {1, 7, 10, 74, 733}) {
      for (int count : new int[] {1, 3, 10, 1000}) {
        List<Long> at = new ArrayList<>();
        for (long t = 1; t <= steps; t++) {
          if (DpSgdTrainer.isSnapshotStep(t, steps, count)) {
            at.add(t);
          }
        }
        assertEquals(Math.min(count, steps), at.size(), steps + " steps, " + count);
        assertEquals(steps, at.get(at.size() - 1));
        // gaps differ by at most one step: evenly spaced
        long minGap = Long.MAX_VALUE;
        long maxGap = 0;
        long previous = 0;
        for (long t : at) {
          minGap = Math.min(minGap, t - previous);
          maxGap = Math.max(maxGap, t - previous);
          previous = t;
        }
        assertTrue(maxGap - minGap <= 1, at.toString());
      }
    }
    assertEquals(false, DpSgdTrainer.isSnapshotStep(5, 10, 0));
  }

  @Test
  void theLastSnapshotIsThePublishedModelAndEpsilonGrows() {
    DpSgdConfig config =
        new DpSgdConfig()
            .l2NormClip(1.0)
            .noiseMultiplier(1.1)
            .samplingRate(0.1)
            .steps(12)
            .optimizer(OptimizerSpec.sgd(0.5))
            .emaDecay(0.9)
            .hiddenLayers(4)
            .initSeed(2);
    List<long[]> steps = new ArrayList<>();
    List<Double> epsilons = new ArrayList<>();
    List<double[]> params = new ArrayList<>();
    try (TrainingBlocks data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(1000, 5, 3, 1, 3), "features", "label", 0, 0, 250, "train")) {
      TrainingResult r =
          new DpSgdTrainer(config)
              .snapshots(
                  4,
                  (step, eps, p) -> {
                    steps.add(new long[] {step});
                    epsilons.add(eps);
                    params.add(p);
                  })
              .fit(data);
      assertEquals(List.of(3L, 6L, 9L, 12L), steps.stream().map(s -> s[0]).toList());
      // the last snapshot is the EMA model the run returns, not the raw weights
      assertArrayEquals(r.params(), params.get(3), 0.0);
      assertTrue(epsilons.get(0) < epsilons.get(3), epsilons.toString());
      assertEquals(r.privacy().epsilon(), epsilons.get(3), 1e-9);
      assertTrue(params.get(0) != params.get(1), "each snapshot is a copy");
    }
    assertThrows(
        InvalidInputException.class, () -> new DpSgdTrainer(config).snapshots(-1, (s, e, p) -> {}));
  }
}
