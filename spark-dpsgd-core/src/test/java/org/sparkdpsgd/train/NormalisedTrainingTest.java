package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.data.UserBlocks;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Feature normalisation in local Spark runs: a private run trains, reports the ε of the release
 * composed with its steps and hands out folded models; a run without privacy normalises after fixed
 * layers; the unsupported combinations are refused before any privacy is spent.
 */
class NormalisedTrainingTest {
  static TrainingBlocks data;
  static TrainingBlocks test;

  @BeforeAll
  static void setUp() {
    data = blocks(TestData.gaussianClasses(4000, 6, 3, 1, 3));
    test = blocks(TestData.gaussianClasses(1000, 6, 3, 2, 2));
  }

  private static TrainingBlocks blocks(Dataset<Row> df) {
    return TrainingBlocks.prepare(df, "features", "label", 0, 0, 500, "train");
  }

  @AfterAll
  static void tearDown() {
    data.close();
    test.close();
  }

  private static DpSgdConfig dp() {
    return new DpSgdConfig()
        .l2NormClip(1)
        .noiseMultiplier(1.0)
        .expectedBatchSize(400)
        .epochs(5)
        .optimizer(OptimizerSpec.sgd(1.0))
        .hiddenLayers(16)
        .normalisationNoiseMultiplier(2.0)
        .normalisationWhitening(0.5);
  }

  @Test
  void aPrivateRunTrainsAndReportsTheComposedEpsilon() {
    DpSgdConfig c = dp().emaDecay(0.9);
    List<double[]> snapshots = new ArrayList<>();
    List<Double> epsilons = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    TrainingResult r =
        new DpSgdTrainer(c)
            .listener(
                new ProgressListener() {
                  @Override
                  public void onStep(StepMetrics m) {}

                  @Override
                  public void onNote(String note) {
                    notes.add(note);
                  }
                })
            .snapshots(
                2,
                (step, eps, p) -> {
                  snapshots.add(p);
                  epsilons.add(eps);
                })
            .fit(data);
    double acc = Evaluation.of(test, r.spec(), r.params()).accuracy();
    assertTrue(acc >= 0.85, "DP accuracy with normalisation " + acc);
    TrainingPlan plan = TrainingPlan.resolve(c, 4000);
    double expected = AccountantKind.RDP.create().compose(plan.runEvent()).getEpsilon(c.delta());
    assertEquals(expected, r.privacy().epsilon(), 1e-9);
    assertEquals(plan.plannedEpsilon(), r.privacy().epsilon(), 1e-9);
    double stepsOnly =
        TrainingPlan.resolve(dp().normalisationNoiseMultiplier(0), 4000).plannedEpsilon();
    assertTrue(r.privacy().epsilon() > stepsOnly, r.privacy().epsilon() + " vs " + stepsOnly);
    assertEquals(2.0, r.privacy().normalisationNoiseMultiplier());
    assertTrue(r.privacy().summary().contains("σ_n = 2.0000"), r.privacy().summary());
    // the last snapshot is the folded EMA model the run returns; progress ε includes the release
    assertArrayEquals(r.params(), snapshots.get(1), 0.0);
    assertEquals(r.privacy().epsilon(), epsilons.get(1), 1e-9);
    assertTrue(
        notes.stream().anyMatch(n -> n.contains("noise multiplier σ_n = 2.0")), notes.toString());
  }

  /** Without privacy: exact statistics after a fixed layer (per-example input norm), no charge. */
  @Test
  void aRunWithoutPrivacyNormalisesExactlyAfterTheFixedLayers() {
    DpSgdConfig c =
        dp().nonPrivate(true)
            .hiddenLayers(new int[0])
            .inputNorm("per-example")
            .normalisationWhitening(1.0);
    assertEquals(1, c.modelSpec(6, 3).fixedLayers());
    TrainingResult r = new DpSgdTrainer(c).fit(data);
    assertTrue(r.privacy().nonPrivate());
    assertEquals(0.0, r.privacy().normalisationNoiseMultiplier());
    double acc = Evaluation.of(test, r.spec(), r.params()).accuracy();
    assertTrue(acc >= 0.9, "non-private accuracy with normalisation " + acc);
  }

  @Test
  void unsupportedCombinationsAreRefusedBeforeAnyStep() {
    String prefix = "feature normalisation (privacy.normalisation-noise-multiplier > 0)";
    String value = "provided value: 2.0";
    List<DpSgdConfig> refused =
        List.of(
            dp().checkpoints("/tmp/dpsgd-normalisation-never-written", 5),
            dp().ledger("/tmp/dpsgd-normalisation-no-ledger"),
            dp().numMicrobatches(4),
            dp().hiddenLayers(new int[0])
                .layers(List.of(new LayerSpec.Conv2D(2, 1, 1, 0)))
                .inputShape(1, 2, 3));
    List<String> says = List.of("checkpoints", "ledger", "microbatches", "dense first trained");
    for (int i = 0; i < refused.size(); i++) {
      DpSgdConfig c = refused.get(i);
      String msg =
          assertThrows(InvalidInputException.class, () -> new DpSgdTrainer(c).fit(data))
              .getMessage();
      assertTrue(msg.startsWith(prefix) && msg.contains(says.get(i)) && msg.endsWith(value), msg);
    }
    SumAudit audit =
        new SumAudit() {
          @Override
          public int extraCoordinates() {
            return 0;
          }

          @Override
          public void addClipped(long step, double clip, double[] sum, int offset) {}

          @Override
          public void observe(long step, double[] noisySum, int offset) {}
        };
    String msg =
        assertThrows(
                InvalidInputException.class, () -> new DpSgdTrainer(dp()).audit(audit).fit(data))
            .getMessage();
    assertTrue(msg.startsWith(prefix) && msg.contains("audit") && msg.endsWith(value), msg);
    assertTrue(!new java.io.File("/tmp/dpsgd-normalisation-never-written").exists());
    // saved weights take the raw features: refused when the plan is made, before they are read
    String init =
        assertThrows(
                InvalidInputException.class,
                () ->
                    new DpSgdTrainer(dp().initFrom("/tmp/dpsgd-normalisation-no-model")).fit(data))
            .getMessage();
    assertTrue(
        init.startsWith(prefix) && init.contains("model.init-from") && init.endsWith(value), init);
  }

  /**
   * The release bounds one EXAMPLE's features (‖u‖ ≤ 1), so its σ_n is no guarantee for a user who
   * owns several rows: a user-level run must be refused before the statistics are computed, not
   * charged as if its features were example-level.
   */
  @Test
  void userLevelDataIsRefusedBeforeAnyStep() {
    try (TrainingBlocks users =
        UserLevelTrainingTest.prepare(
            UserLevelTrainingTest.usersFrame(30, 4, false, false),
            16,
            new UserBlocks.Grouping("user", 0))) {
      assertTrue(users.byUser());
      // the batch fits the 30 users, so the plan is made and the refusal is normalisation's own
      DpSgdConfig c = dp().expectedBatchSize(10);
      assertTrue(new DpSgdTrainer(c).plan(users).userLevel());
      Recorder seen = new Recorder();
      String msg =
          assertThrows(
                  InvalidInputException.class, () -> new DpSgdTrainer(c).listener(seen).fit(users))
              .getMessage();
      assertTrue(
          msg.startsWith("feature normalisation (privacy.normalisation-noise-multiplier > 0)")
              && msg.contains("example-level")
              && msg.contains("data.user-col")
              && msg.endsWith("provided value: 2.0"),
          msg);
      // no statistics were released (that leaves a note) and no step ran
      assertEquals(List.of(), seen.notes);
      assertEquals(0, seen.steps);
      // without normalisation the same user-level run is accepted: the refusal is σ_n's alone
      TrainingResult r = new DpSgdTrainer(c.normalisationNoiseMultiplier(0).steps(1)).fit(users);
      assertEquals(30, r.privacy().users());
    }
  }

  /**
   * The C × C channel covariance is aggregated on the executors and eigendecomposed on the driver,
   * so whitening more than {@link DpSgdTrainer#MAX_WHITENED_CHANNELS} channels is refused before
   * any statistics are computed; centring only (w = 0) keeps d values, not C², and trains.
   */
  @Test
  void moreChannelsThanCanBeWhitenedAreRefusedUnlessTheRunOnlyCentres() {
    int wide = DpSgdTrainer.MAX_WHITENED_CHANNELS + 1;
    // a flat input of d features is d channels at one position; a few rows keep this fast
    try (TrainingBlocks few = blocks(TestData.gaussianClasses(40, wide, 3, 4, 1))) {
      DpSgdConfig c =
          new DpSgdConfig()
              .l2NormClip(1)
              .noiseMultiplier(1.0)
              .expectedBatchSize(10)
              .steps(2)
              .optimizer(OptimizerSpec.sgd(0.1))
              .hiddenLayers(new int[0])
              .normalisationNoiseMultiplier(2.0)
              .normalisationWhitening(0.5);
      Recorder refused = new Recorder();
      String msg =
          assertThrows(
                  InvalidInputException.class, () -> new DpSgdTrainer(c).listener(refused).fit(few))
              .getMessage();
      assertEquals(
          "feature normalisation (privacy.normalisation-noise-multiplier > 0) whitens at most "
              + DpSgdTrainer.MAX_WHITENED_CHANNELS
              + " channels; the features have "
              + wide
              + ": set training.normalisation-whitening = 0 (centring only); provided value: 0.5",
          msg);
      assertEquals(List.of(), refused.notes);
      assertEquals(0, refused.steps);
      Recorder centred = new Recorder();
      TrainingResult r = new DpSgdTrainer(c.normalisationWhitening(0)).listener(centred).fit(few);
      // the normalisation ran (centring only) and was charged; both steps ran
      assertTrue(
          centred.notes.stream()
              .anyMatch(n -> n.startsWith("feature normalisation: mean of " + wide + " features")),
          centred.notes.toString());
      assertEquals(2, centred.steps);
      assertEquals(2, r.metrics().size());
      assertEquals(2.0, r.privacy().normalisationNoiseMultiplier());
      assertEquals(TrainingPlan.resolve(c, 40).plannedEpsilon(), r.privacy().epsilon(), 1e-9);
      assertEquals((wide + 1) * 3, r.params().length);
      assertTrue(java.util.Arrays.stream(r.params()).allMatch(Double::isFinite));
    }
  }

  /** Counts the steps and keeps the notes a run reports (the release leaves a note). */
  private static final class Recorder implements ProgressListener {
    final List<String> notes = new ArrayList<>();
    int steps;

    @Override
    public void onStep(StepMetrics m) {
      steps++;
    }

    @Override
    public void onNote(String note) {
      notes.add(note);
    }
  }
}
