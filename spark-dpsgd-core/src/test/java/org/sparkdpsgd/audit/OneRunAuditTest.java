package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TestingLies;
import org.sparkdpsgd.train.TrainingResult;

/**
 * The audit CI runs on every build (issue 14): an honest run's one-run lower bound stays at or
 * below its claimed ε, and a build that lies — 10x less noise than reported, or no clipping — is
 * caught, its bound above the claim.
 *
 * <p>The run: logistic regression on 2,000 synthetic rows, q = 0.1, 200 steps, claimed ε = 2 at δ =
 * 1e-6 (σ calibrated by RDP), m = 1,000 gradient canaries, 300 guesses each way, the bound at
 * confidence 0.999 (the bound's δ term grows with m·δ: with m = 2,000 and δ = 1e-5 even 400 right
 * guesses of 400 give only 2.52 at this confidence). Real secure noise, so these are statistical
 * tests. False-failure rates: the honest test fails only if the bound, valid at confidence 0.999,
 * exceeds the ε the run really has: at most 1e-3 (in practice far less: an included canary's score
 * is about one noise standard deviation from an absent one's). The lying tests fail only if fewer
 * than 553 of the 600 guesses are right (at 552 the bound at 0.999 drops to 2); with the noise cut
 * 10x an included canary's score is 20 ± 4.5 C (Poisson sampling) and an absent one's 0 ± 1.5 C (a
 * tenth of the noise over 200 steps), so a wrong guess needs an included canary sampled at most
 * about 4 times (probability below 2e-5 each, 1e-2 for the ~500 of them) or an absent one 13
 * standard deviations out; 48 wrong guesses are out of reach (far below 1e-6). Unclipped, a canary
 * counts 10 C a time against the honest noise.
 */
class OneRunAuditTest {
  static TrainingBlocks data;

  @BeforeAll
  static void setUp() {
    data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(2000, 8, 4, 11, 2), "features", "label", 0, 0, 500, "train");
  }

  @AfterAll
  static void tearDown() {
    data.close();
  }

  @AfterEach
  void honestAgain() {
    System.clearProperty(TestingLies.NOISE_SCALE);
    System.clearProperty(TestingLies.SKIP_CLIPPING);
  }

  static DpSgdConfig claimingEpsilon2() {
    return new DpSgdConfig()
        .l2NormClip(1.0)
        .targetEpsilon(2.0)
        .delta(1e-6)
        .expectedBatchSize(200)
        .epochs(20)
        .optimizer(OptimizerSpec.sgd(0.5));
  }

  static OneRunAuditResult audit() {
    OneRunAuditResult r =
        new OneRunAudit()
            .canaries(1000)
            .guessesPerSide(300)
            .confidence(0.999)
            .run(data, claimingEpsilon2());
    // aggregates only, for the build log: how far each run is from the line it must not cross
    System.out.printf(
        java.util.Locale.ROOT,
        "one-run audit (lie-noise-scale %s, lie-skip-clipping %s): %d of %d right,"
            + " lower bound %.3f, claimed %.3f%n",
        System.getProperty(TestingLies.NOISE_SCALE, "-"),
        System.getProperty(TestingLies.SKIP_CLIPPING, "-"),
        r.guesses().correct(),
        r.guesses().guesses(),
        r.epsilonLowerBound(),
        r.claimedEpsilon());
    return r;
  }

  @Test
  void anHonestRunsBoundStaysAtOrBelowItsClaim() {
    OneRunAuditResult r = audit();
    assertEquals(2.0, r.claimedEpsilon(), 1e-3);
    assertEquals(600, r.guesses().guesses());
    assertTrue(
        r.epsilonLowerBound() <= r.claimedEpsilon(),
        "lower bound " + r.epsilonLowerBound() + " > claimed " + r.claimedEpsilon());
    assertFalse(r.contradictsClaim());
  }

  @Test
  void aBuildThatAddsATenthOfTheNoiseIsCaught() {
    System.setProperty(TestingLies.NOISE_SCALE, "0.1");
    OneRunAuditResult r = audit();
    // The report still claims ε = 2: the lie is invisible from the outside.
    assertEquals(2.0, r.claimedEpsilon(), 1e-3);
    assertTrue(
        r.epsilonLowerBound() > r.claimedEpsilon(),
        "lower bound " + r.epsilonLowerBound() + " <= claimed " + r.claimedEpsilon());
    assertTrue(r.contradictsClaim());
  }

  @Test
  void aBuildThatSkipsClippingIsCaught() {
    System.setProperty(TestingLies.SKIP_CLIPPING, "true");
    OneRunAuditResult r = audit();
    assertEquals(2.0, r.claimedEpsilon(), 1e-3);
    assertTrue(
        r.epsilonLowerBound() > r.claimedEpsilon(),
        "lower bound " + r.epsilonLowerBound() + " <= claimed " + r.claimedEpsilon());
  }

  /**
   * The canaries ride along without touching the model: with the same sample and no noise, an
   * audited run ends with the same weights as an unaudited one, and each canary's score is exactly
   * C times the number of steps it was sampled in (0 if absent), about q·T = 20 on average.
   */
  @Test
  void anAuditRefusesMicrobatchesBeforeAnyStep() {
    org.sparkdpsgd.util.InvalidInputException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            org.sparkdpsgd.util.InvalidInputException.class,
            () -> new OneRunAudit().run(data, claimingEpsilon2().numMicrobatches(10)));
    assertTrue(e.getMessage().contains("training.num-microbatches = 0"), e.getMessage());
  }

  @Test
  void anAuditRefusesUserLevelDataBeforeAnyStep() {
    try (org.sparkdpsgd.data.TrainingBlocks users = data.oneUserPerRow()) {
      org.sparkdpsgd.util.InvalidInputException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              org.sparkdpsgd.util.InvalidInputException.class,
              () -> new OneRunAudit().run(users, claimingEpsilon2()));
      assertTrue(e.getMessage().startsWith("an audited run must be example-level"), e.getMessage());
    }
  }

  @Test
  void canariesDoNotTouchTheModelAndScoreTheirClippedGradients() {
    DpSgdConfig config = claimingEpsilon2().epochs(2);
    TrainingResult plain =
        new DpSgdTrainer(config)
            .noiseSourceForTesting(NoiseSources.zeroForTesting())
            .samplingKeyForTesting(SamplingKey.forTesting(3))
            .fit(data);
    GradientCanaries canaries = GradientCanaries.seededForTesting(500, 0.1, 10.0, 4);
    TrainingResult audited =
        new DpSgdTrainer(config)
            .noiseSourceForTesting(NoiseSources.zeroForTesting())
            .samplingKeyForTesting(SamplingKey.forTesting(3))
            .audit(canaries)
            .fit(data);
    assertArrayEquals(plain.params(), audited.params(), 0.0);
    boolean[] in = canaries.included();
    double[] scores = canaries.scores();
    double inSum = 0;
    int inCount = 0;
    for (int i = 0; i < in.length; i++) {
      double times = scores[i] / (1.0 / (1 + 1e-6));
      assertEquals(Math.rint(times), times, 1e-6, "canary " + i + " counts whole clipped steps");
      if (in[i]) {
        inSum += times;
        inCount++;
      } else {
        assertEquals(0.0, scores[i], 0.0, "an absent canary is never sampled");
      }
    }
    // 20 steps at q = 0.1: mean 2 per included canary; over ~250 canaries the mean's standard
    // deviation is 0.09, so 1.5..2.5 fails with probability below 1e-6 (seeded anyway).
    assertEquals(2.0, inSum / inCount, 0.5);
    assertTrue(inCount > 200 && inCount < 300, "included " + inCount);
  }
}
