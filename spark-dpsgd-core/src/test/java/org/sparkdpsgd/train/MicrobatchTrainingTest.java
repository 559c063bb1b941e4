package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.sparkdpsgd.privacy.EpsilonAndOrder;
import org.sparkdpsgd.privacy.GaussianEvent;
import org.sparkdpsgd.privacy.PoissonSampledEvent;
import org.sparkdpsgd.privacy.PrivacyStatement;
import org.sparkdpsgd.privacy.RdpAccountant;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Microbatches in a run: the accountant is charged for σ/2 (sensitivity 2C), the noisy sum is
 * divided by M, bad M fails before any step, and M = 0 is today's per-example path bit for bit.
 */
class MicrobatchTrainingTest {
  static TrainingBlocks data;

  @BeforeAll
  static void setUp() {
    data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(4000, 8, 4, 1, 3), "features", "label", 0, 0, 500, "train");
  }

  @AfterAll
  static void tearDown() {
    data.close();
  }

  static DpSgdConfig config() {
    return new DpSgdConfig()
        .l2NormClip(0.5)
        .noiseMultiplier(1.3)
        .samplingRate(0.05)
        .steps(3)
        .optimizer(OptimizerSpec.sgd(0.3))
        .hiddenLayers(6)
        .initSeed(4);
  }

  /**
   * By hand: with q = 1 and one step the Gaussian mechanism's RDP is α/(2σ'²) at each order α, with
   * σ' = σ/2 for microbatches, i.e. 2α/σ². The plan's ε equals the RDP conversion of those values
   * (and of the accountant composing Gaussian(σ/2)); the per-example run's is the one of α/(2σ²).
   */
  @Test
  void accountingChargesHalfTheNoiseMultiplier() {
    double sigma = 3.0;
    DpSgdConfig c = new DpSgdConfig().noiseMultiplier(sigma).samplingRate(1.0).steps(1);
    TrainingPlan perExample = TrainingPlan.resolve(c, 1000);
    TrainingPlan micro = TrainingPlan.resolve(c.numMicrobatches(10), 1000);
    assertEquals(sigma, micro.noiseMultiplier(), "σ itself (the noise added) is unchanged");
    assertEquals(sigma / 2, micro.accountedNoiseMultiplier());
    assertEquals(new PoissonSampledEvent(1.0, new GaussianEvent(sigma / 2)), micro.stepEvent());

    // Hand computation: the RDP curve 2α/σ² at dp_accounting's orders (1.1..10.9 by 0.1, 11..63,
    // 128..1024), each converted to ε = r + log(1 − 1/α) − log(δα)/(α − 1), the smallest kept.
    double delta = c.delta();
    java.util.List<Double> orders = new java.util.ArrayList<>();
    for (int x = 1; x < 100; x++) {
      orders.add(1 + x / 10.0);
    }
    for (int a = 11; a < 64; a++) {
      orders.add((double) a);
    }
    for (int a : new int[] {128, 256, 512, 1024}) {
      orders.add((double) a);
    }
    double best = Double.POSITIVE_INFINITY;
    for (double alpha : orders) {
      double rdp = 2 * alpha / (sigma * sigma);
      if (alpha > 1.01) {
        best = Math.min(best, rdp + Math.log1p(-1 / alpha) - Math.log(delta * alpha) / (alpha - 1));
      }
    }
    assertEquals(best, micro.plannedEpsilon(), 1e-12 * best);
    RdpAccountant halved = new RdpAccountant();
    halved.compose(new PoissonSampledEvent(1.0, new GaussianEvent(sigma / 2)), 1);
    EpsilonAndOrder viaAccountant = halved.getEpsilonAndOptimalOrder(delta);
    assertEquals(viaAccountant.epsilon(), micro.plannedEpsilon(), 1e-12);
    assertTrue(micro.plannedEpsilon() > 2 * perExample.plannedEpsilon());

    // Subsampled, many steps: the same as a per-example run with σ/2.
    DpSgdConfig sub = new DpSgdConfig().noiseMultiplier(1.1).expectedBatchSize(256).steps(2000);
    double halfSigma =
        TrainingPlan.resolve(
                new DpSgdConfig().noiseMultiplier(0.55).expectedBatchSize(256).steps(2000), 60_000)
            .plannedEpsilon();
    assertEquals(
        halfSigma, TrainingPlan.resolve(sub.numMicrobatches(16), 60_000).plannedEpsilon(), 1e-12);
  }

  /** A target ε calibrates σ/2, so a microbatched run's σ is twice the per-example one's. */
  @Test
  void calibrationDoublesSigma() {
    DpSgdConfig c = new DpSgdConfig().targetEpsilon(2.0).expectedBatchSize(256).steps(1000);
    double perExample = TrainingPlan.resolve(c, 60_000).noiseMultiplier();
    TrainingPlan micro = TrainingPlan.resolve(c.numMicrobatches(32), 60_000);
    assertEquals(2 * perExample, micro.noiseMultiplier(), 1e-12 * perExample);
    assertTrue(micro.plannedEpsilon() <= 2.0);
  }

  /** The statement of `dpsgd privacy --num-microbatches` says what it charged and why. */
  @Test
  void statementAndReportSayTheSensitivityIsTwoC() {
    String s = PrivacyStatement.describe(256.0 / 60000, 1.1, 14063, 1e-5, 16, false);
    String halved = PrivacyStatement.describe(256.0 / 60000, 0.55, 14063, 1e-5, 0, false);
    assertTrue(s.contains("16 microbatches per step"), s);
    assertTrue(s.contains("accounted as noise multiplier σ/2 = 0.550000"), s);
    assertTrue(s.contains("uniformly at random, independently of the data"), s);
    String eps = halved.lines().filter(l -> l.contains("by RDP")).findFirst().orElseThrow();
    assertTrue(s.contains(eps), s + "\nvs\n" + halved);

    PrivacyReport r =
        new PrivacyReport(
            2.0, 1e-5, "rdp", 1.1, 1.0, 0.01, 100, 10, 0.1, 10_000, true, false, 8, 0, 0);
    assertTrue(r.summary().contains("8 microbatches per step"), r.summary());
    assertTrue(r.summary().contains("sensitivity 2C, accounted as σ/2 = 0.5500"), r.summary());
  }

  /** Bad M fails with the knob's name before any step (and so before any privacy is spent). */
  @Test
  void badMicrobatchCountsFailBeforeAnyStep() {
    InvalidInputException tooMany =
        assertThrows(InvalidInputException.class, () -> new DpSgdConfig().numMicrobatches(5000));
    assertTrue(tooMany.getMessage().startsWith("numMicrobatches must be in [0, 4096]"));
    InvalidInputException aboveBatch =
        assertThrows(
            InvalidInputException.class,
            () -> TrainingPlan.resolve(config().numMicrobatches(201), 4000));
    assertTrue(
        aboveBatch.getMessage().startsWith("numMicrobatches must be <= the expected batch size"),
        aboveBatch.getMessage());
    TrainingPlan plan = TrainingPlan.resolve(config().numMicrobatches(200), 4000);
    InvalidInputException memory =
        assertThrows(InvalidInputException.class, () -> plan.checkMicrobatchMemory(1_000_000));
    assertTrue(memory.getMessage().startsWith("numMicrobatches must be <= 67 for a model"));
    NoiseSources.CountingForTesting noise =
        new NoiseSources.CountingForTesting(NoiseSources.zeroForTesting());
    DpSgdConfig big = config().numMicrobatches(200).hiddenLayers(400_000);
    assertThrows(
        InvalidInputException.class,
        () -> new DpSgdTrainer(big).noiseSourceForTesting(noise).fit(data));
    assertEquals(0, noise.calls(), "no noise was drawn: no step ran");
  }

  /** M = 0 (the default) is the per-example path, bit for bit. */
  @Test
  void zeroMicrobatchesIsThePerExamplePathBitForBit() {
    SamplingKey key = SamplingKey.forTesting(21);
    TrainingResult unset =
        new DpSgdTrainer(config())
            .noiseSourceForTesting(NoiseSources.seededForTesting(5))
            .samplingKeyForTesting(key)
            .fit(data);
    TrainingResult zero =
        new DpSgdTrainer(config().numMicrobatches(0))
            .noiseSourceForTesting(NoiseSources.seededForTesting(5))
            .samplingKeyForTesting(key)
            .fit(data);
    assertArrayEquals(unset.params(), zero.params());
    assertEquals(unset.privacy(), zero.privacy());
    assertEquals(0, zero.privacy().numMicrobatches());
  }

  /**
   * One step with zero noise and M microbatches moves the weights by -η · Σ_j clip(mean_j) / M (not
   * by q·N), and the run is charged for σ/2.
   */
  @Test
  void oneMicrobatchedStepDividesByTheNumberOfMicrobatches() {
    double lr = 0.3;
    int m = 8;
    SamplingKey key = SamplingKey.forTesting(5);
    DpSgdConfig c = config().steps(1).numMicrobatches(m);
    TrainingResult r =
        new DpSgdTrainer(c)
            .noiseSourceForTesting(NoiseSources.zeroForTesting())
            .samplingKeyForTesting(key)
            .doublePrecisionForTesting(true)
            .fit(data);
    ModelSpec spec = r.spec();
    double[] w0 = spec.initialParams(4);
    Supplier<double[]> weights = (Supplier<double[]> & Serializable) () -> w0;
    ClippedGradientAggregator agg =
        new ClippedGradientAggregator(
            new StepContext(spec, 0.5, 0.05, key, 1, true, data.numExamples(), m), weights);
    for (ExampleBlock b : data.rdd().collect()) {
      agg.add(b);
    }
    double[] sum = agg.gradientSum();
    double norm = 0;
    for (int k = 0; k < w0.length; k++) {
      assertEquals(w0[k] - lr * sum[k] / m, r.params()[k], 1e-12, "parameter " + k);
      norm += sum[k] * sum[k];
    }
    assertTrue(Math.sqrt(norm) <= m * 0.5 + 1e-9);
    assertEquals(m, r.privacy().numMicrobatches());
    double expected =
        AccountantKind.RDP
            .create()
            .compose(TrainingPlan.stepEvent(0.05, 1.3 / 2), 1)
            .getEpsilon(1e-5);
    assertEquals(expected, r.privacy().epsilon(), 1e-9 * expected);
  }
}
