package org.sparkdpsgd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The trainer and the ledger (Spark local[2]): a crashed and resumed run is charged its
 * checkpoints' crash charge, a refused run runs no step, an attempt failing before its first step
 * releases its reservation.
 */
class LedgerTrainingTest {
  static TrainingBlocks data;

  @BeforeAll
  static void data() {
    data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(1000, 5, 3, 4, 2), "features", "label", 0, 0, 300, "train");
  }

  @AfterAll
  static void close() {
    data.close();
  }

  private static DpSgdConfig config(String checkpoints) {
    return new DpSgdConfig()
        .l2NormClip(0.5)
        .noiseMultiplier(1.1)
        .samplingRate(0.1)
        .steps(12)
        .optimizer(OptimizerSpec.sgd(0.2))
        .hiddenLayers(4)
        .checkpoints(checkpoints, 5);
  }

  private static DpSgdTrainer trainer(DpSgdConfig c, BudgetLedger ledger) {
    return new DpSgdTrainer(c)
        .noiseSourceForTesting(NoiseSources.zeroForTesting())
        .ledger(ledger.forRun("test-config"));
  }

  @Test
  void aCrashedRunIsChargedItsCheckpointsCrashChargeWhenItResumes(@TempDir Path dir) {
    BudgetLedger ledger =
        BudgetLedger.init(
            dir.resolve("ledger").toString(), new Configuration(), 10, 1e-5, AccountantKind.RDP);
    DpSgdConfig c = config(dir.resolve("checkpoints").toString());
    assertThrows(
        IllegalStateException.class,
        () ->
            trainer(c, ledger)
                .listener(
                    m -> {
                      if (m.step() == 7) {
                        throw new IllegalStateException("simulated crash");
                      }
                    })
                .fit(data));
    LedgerState crashed = ledger.read();
    assertEquals("reserved", crashed.runs().get(0).status(), "a crash keeps its reservation");
    assertEquals(12, crashed.runs().get(0).reservedSteps());

    TrainingResult r = trainer(c, ledger).fit(data);
    assertEquals(10 + 7, r.privacy().steps(), "reserved through step 10, then steps 6..12");
    LedgerState s = ledger.read();
    assertEquals(1, s.runs().size());
    LedgerRun run = s.runs().get(0);
    assertEquals("settled", run.status());
    assertEquals(17, run.reservedSteps());
    assertEquals(5, run.crashSteps());
    assertEquals(r.privacy().epsilon(), s.spentEpsilon(), 1e-9, "the run's own RDP ε");
  }

  @Test
  void aRefusedRunRunsNoStepAndAFailureBeforeTheFirstStepReleases(@TempDir Path dir) {
    DpSgdConfig c = config(null);
    TrainingPlan plan = new DpSgdTrainer(c).plan(data);
    double oneRun =
        AccountantKind.RDP
            .create()
            .compose(new SelfComposedEvent(plan.stepEvent(), 12))
            .getEpsilon(1e-5);
    double twoRuns =
        AccountantKind.RDP
            .create()
            .compose(new SelfComposedEvent(plan.stepEvent(), 24))
            .getEpsilon(1e-5);
    // Composition is not a sum (two runs cost well under twice one), yet 1.1x holds only one.
    assertTrue(twoRuns > 1.1 * oneRun && twoRuns < 2 * oneRun, oneRun + " " + twoRuns);
    BudgetLedger ledger =
        BudgetLedger.init(
            dir.resolve("ledger").toString(),
            new Configuration(),
            1.1 * oneRun,
            1e-5,
            AccountantKind.RDP);
    // Fails after reserving, before step 1 (the reservation's note is the first thing it says).
    assertThrows(
        IllegalStateException.class,
        () ->
            trainer(c, ledger)
                .listener(
                    new org.sparkdpsgd.train.ProgressListener() {
                      @Override
                      public void onStep(org.sparkdpsgd.train.StepMetrics m) {}

                      @Override
                      public void onNote(String note) {
                        throw new IllegalStateException("driver failure before step 1: " + note);
                      }
                    })
                .fit(data));
    assertEquals(
        List.of("released"), ledger.read().runs().stream().map(LedgerRun::status).toList());
    assertEquals(0, ledger.read().spentEpsilon());

    trainer(c, ledger).fit(data);
    AtomicInteger steps = new AtomicInteger();
    String msg =
        assertThrows(
                InvalidInputException.class,
                () -> trainer(c, ledger).listener(m -> steps.incrementAndGet()).fit(data))
            .getMessage();
    assertTrue(msg.contains("refuses this run"), msg);
    assertEquals(0, steps.get(), "no step ran");
    assertEquals(2, ledger.read().runs().size(), "the refusal wrote nothing");
  }

  /** MLlib: the ledger param alone charges every fit (fingerprinted by the run's settings). */
  @Test
  void theMllibLedgerParamChargesEveryFit(@TempDir Path dir) {
    String location = dir.resolve("ledger").toString();
    org.sparkdpsgd.ml.DPSGDClassifier c =
        new org.sparkdpsgd.ml.DPSGDClassifier()
            .setNumClasses(3)
            .setHiddenLayers(new int[] {4})
            .setSamplingRate(0.1)
            .setSteps(12)
            .setNoiseMultiplier(1.1)
            .setLedger(location);
    double oneRun =
        AccountantKind.RDP
            .create()
            .compose(new SelfComposedEvent(TrainingPlan.stepEvent(0.1, 1.1), 12))
            .getEpsilon(1e-5);
    BudgetLedger ledger =
        BudgetLedger.init(location, new Configuration(), 1.1 * oneRun, 1e-5, AccountantKind.RDP);
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df =
        TestData.gaussianClasses(1000, 5, 3, 4, 2);
    c.fit(df);
    LedgerState s = ledger.read();
    assertEquals(1, s.runs().size());
    assertEquals("settled", s.runs().get(0).status());
    assertEquals(64, s.runs().get(0).configSha256().length());
    String msg = assertThrows(InvalidInputException.class, () -> c.fit(df)).getMessage();
    assertTrue(msg.contains("refuses this run"), msg);
  }
}
