package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.sampling.SamplingKey;

class TrainerTest {
  static TrainingBlocks data;
  static TrainingBlocks test;

  @BeforeAll
  static void setUp() {
    data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(4000, 8, 4, 1, 3), "features", "label", 0, 0, 500, "train");
    test =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(2000, 8, 4, 2, 2), "features", "label", 8, 4, 500, "test");
  }

  @AfterAll
  static void tearDown() {
    data.close();
    test.close();
  }

  static DpSgdConfig oneStep(double lr) {
    return new DpSgdConfig()
        .l2NormClip(0.5)
        .noiseMultiplier(1.3)
        .samplingRate(0.05)
        .steps(1)
        .optimizer(OptimizerSpec.sgd(lr))
        .hiddenLayers(6)
        .initSeed(4);
  }

  /**
   * One step with zero noise moves the weights by -η · (clipped sum of the sample) / (q·N): the
   * divisor is the EXPECTED batch size, not the realised one.
   */
  @Test
  void oneStepDividesTheClippedSumByTheExpectedBatchSize() {
    double lr = 0.3;
    SamplingKey key = SamplingKey.forTesting(5);
    TrainingResult r =
        new DpSgdTrainer(oneStep(lr))
            .noiseSourceForTesting(NoiseSources.zeroForTesting())
            .samplingKeyForTesting(key)
            .doublePrecisionForTesting(true)
            .fit(data);
    ModelSpec spec = r.spec();
    double[] w0 = spec.initialParams(4);
    double[] sum = localClippedSum(spec, w0, key, 1, 0.05, 0.5);
    double expectedBatch = 0.05 * data.numExamples();
    for (int k = 0; k < w0.length; k++) {
      assertEquals(w0[k] - lr * sum[k] / expectedBatch, r.params()[k], 1e-12, "parameter " + k);
    }
  }

  /**
   * The difference between a seeded-noise run and a zero-noise run of the same sample is exactly
   * one draw of N(0, σ²C²) per coordinate, scaled by -η/(qN): noise is added once, with σ·C.
   */
  @Test
  void noiseIsAddedExactlyOncePerStepWithStddevSigmaTimesClip() {
    double lr = 0.3;
    SamplingKey key = SamplingKey.forTesting(6);
    TrainingResult quiet =
        new DpSgdTrainer(oneStep(lr))
            .noiseSourceForTesting(NoiseSources.zeroForTesting())
            .samplingKeyForTesting(key)
            .doublePrecisionForTesting(true)
            .fit(data);
    TrainingResult noisy =
        new DpSgdTrainer(oneStep(lr))
            .noiseSourceForTesting(NoiseSources.seededForTesting(77))
            .samplingKeyForTesting(key)
            .doublePrecisionForTesting(true)
            .fit(data);
    double[] noise = NoiseSources.seededForTesting(77).sample(quiet.params().length, 1.3 * 0.5);
    double scale = -lr / (0.05 * data.numExamples());
    for (int k = 0; k < noise.length; k++) {
      // On-grid rounding of the sum moves it by at most half a granularity (≈ σC·2^-41).
      assertEquals(
          scale * noise[k], noisy.params()[k] - quiet.params()[k], 1e-9, "coordinate " + k);
    }
  }

  @Test
  void noiseSourceIsCalledOncePerStep() {
    NoiseSources.CountingForTesting counting =
        new NoiseSources.CountingForTesting(NoiseSources.seededForTesting(1));
    new DpSgdTrainer(oneStep(0.1).steps(7)).noiseSourceForTesting(counting).fit(data);
    assertEquals(7, counting.calls());
  }

  /** Training learns: non-private ≥ 95% on separable synthetic classes; DP at ε ≈ 2 ≥ 85%. */
  @Test
  void trainingReachesGoodAccuracyAndReportsTheAccountantsEpsilon() {
    DpSgdConfig plain =
        new DpSgdConfig()
            .l2NormClip(1)
            .noiseMultiplier(1)
            .expectedBatchSize(200)
            .epochs(3)
            .optimizer(OptimizerSpec.sgd(0.5))
            .hiddenLayers(16)
            .nonPrivate(true);
    TrainingResult p = new DpSgdTrainer(plain).fit(data);
    assertTrue(Evaluation.of(test, p.spec(), p.params()).accuracy() >= 0.95);
    assertTrue(p.privacy().nonPrivate() && Double.isInfinite(p.privacy().epsilon()));

    DpSgdConfig dp =
        new DpSgdConfig()
            .l2NormClip(1)
            .noiseMultiplier(1.0)
            .expectedBatchSize(400)
            .epochs(5)
            .optimizer(OptimizerSpec.sgd(1.0))
            .hiddenLayers(16);
    TrainingResult r = new DpSgdTrainer(dp).fit(data);
    double acc = Evaluation.of(test, r.spec(), r.params()).accuracy();
    assertTrue(acc >= 0.85, "DP accuracy " + acc);
    double q = 400.0 / 4000;
    long steps = (long) Math.ceil(5 / q);
    double expected =
        AccountantKind.RDP
            .create()
            .compose(TrainingPlan.stepEvent(q, 1.0), (int) steps)
            .getEpsilon(1e-5);
    assertEquals(expected, r.privacy().epsilon(), 1e-9 * expected);
    assertEquals(steps, r.privacy().steps());
    assertEquals(steps, r.metrics().size());
    assertTrue(r.privacy().secureNoise());
  }

  static double[] localClippedSum(
      ModelSpec spec, double[] w, SamplingKey key, long step, double q, double clip) {
    Supplier<double[]> weights = (Supplier<double[]> & Serializable) () -> w;
    ClippedGradientAggregator agg =
        new ClippedGradientAggregator(
            new StepContext(spec, clip, q, key, step, true, data.numExamples()), weights);
    for (ExampleBlock b : data.rdd().collect()) {
      agg.add(b);
    }
    return agg.gradientSum();
  }
}
