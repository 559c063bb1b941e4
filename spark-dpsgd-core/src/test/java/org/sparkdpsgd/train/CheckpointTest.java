package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.RdpAccountant;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Checkpoint and resume: a resumed run continues exactly where the checkpoint left off (optimizer
 * moments, weight average, schedule), and spent privacy is never forgotten: the steps an
 * interrupted attempt ran after its last checkpoint are charged again on resume.
 */
class CheckpointTest {
  private static final int STEPS = 30;
  private static final int EVERY = 10;
  private static final double Q = 0.05;
  private static final double SIGMA = 1.3;
  private static TrainingBlocks data;

  @BeforeAll
  static void setUp() {
    data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(2000, 6, 3, 8, 2), "features", "label", 0, 0, 400, "train");
  }

  @AfterAll
  static void tearDown() {
    data.close();
  }

  /**
   * Adam (the optimizer with the most state) and EMA; the cosine schedule in {@link
   * #momentumConfig}.
   */
  private static DpSgdConfig config(long steps) {
    return new DpSgdConfig()
        .l2NormClip(0.5)
        .noiseMultiplier(SIGMA)
        .samplingRate(Q)
        .steps(steps)
        .optimizer(new OptimizerSpec("adam", 0.05, 0.9, 0.9, 0.999, 1e-8))
        .hiddenLayers(5)
        .initSeed(3)
        .emaDecay(0.9);
  }

  private static DpSgdConfig momentumConfig(long steps) {
    return new DpSgdConfig()
        .l2NormClip(0.5)
        .noiseMultiplier(SIGMA)
        .samplingRate(Q)
        .steps(steps)
        .optimizer(new OptimizerSpec("momentum", 0.5, 0.9, 0.9, 0.999, 1e-8))
        .hiddenLayers(5)
        .initSeed(3)
        .cosineSchedule(true);
  }

  /**
   * Zero noise and a fixed sampling key make runs repeatable, so resumed and uninterrupted runs can
   * be compared.
   */
  private static DpSgdTrainer trainer(DpSgdConfig c) {
    return new DpSgdTrainer(c)
        .noiseSourceForTesting(NoiseSources.zeroForTesting())
        .samplingKeyForTesting(SamplingKey.forTesting(21))
        .doublePrecisionForTesting(true);
  }

  private static double rdpEpsilon(long steps) {
    return new RdpAccountant()
        .compose(TrainingPlan.stepEvent(Q, SIGMA), (int) steps)
        .getEpsilon(1e-5);
  }

  /** A driver crash at the end of step {@code crashAt}. */
  private static ProgressListener crashingAt(long crashAt) {
    return m -> {
      if (m.step() == crashAt) {
        throw new IllegalStateException("simulated driver crash after step " + crashAt);
      }
    };
  }

  /** The cosine schedule resumes at the right step (its factor depends on t). */
  @Test
  void resumedCosineScheduleEqualsTheUninterruptedOne(@TempDir Path dir) {
    TrainingResult uninterrupted = trainer(momentumConfig(STEPS)).fit(data);
    DpSgdConfig c = momentumConfig(STEPS).checkpoints(dir.toString(), EVERY);
    assertThrows(IllegalStateException.class, () -> trainer(c).listener(crashingAt(15)).fit(data));
    assertArrayEquals(uninterrupted.params(), trainer(c).fit(data).params(), 1e-9);
  }

  @Test
  void resumedRunEqualsTheUninterruptedOneAndPaysForTheLostSteps(@TempDir Path dir) {
    TrainingResult uninterrupted = trainer(config(STEPS)).fit(data);
    assertEquals(STEPS, uninterrupted.privacy().steps());

    DpSgdConfig c = config(STEPS).checkpoints(dir.toString(), EVERY);
    // Dies after step 15: the last checkpoint is after step 10 and reserved steps 11..20.
    assertThrows(IllegalStateException.class, () -> trainer(c).listener(crashingAt(15)).fit(data));
    AtomicInteger stepsRun = new AtomicInteger();
    TrainingResult resumed = trainer(c).listener(m -> stepsRun.incrementAndGet()).fit(data);

    assertEquals(STEPS - EVERY, stepsRun.get(), "steps 11..30 run again");
    assertArrayEquals(uninterrupted.params(), resumed.params(), 1e-9);
    assertEquals(STEPS, resumed.metrics().size());
    // Charged: 20 (the checkpoint's reservation, covering the lost steps 11..15) + 20 (steps
    // 11..30).
    assertEquals(2 * EVERY + (STEPS - EVERY), resumed.privacy().steps());
    assertEquals(rdpEpsilon(40), resumed.privacy().epsilon(), 1e-12);
    assertTrue(resumed.privacy().epsilon() > uninterrupted.privacy().epsilon());
  }

  @Test
  void aCrashRightAfterTheFirstStepIsCharged(@TempDir Path dir) {
    DpSgdConfig c = config(STEPS).checkpoints(dir.toString(), EVERY);
    assertThrows(IllegalStateException.class, () -> trainer(c).listener(crashingAt(1)).fit(data));
    TrainingResult resumed = trainer(c).fit(data);
    // The reservation written before step 1 covered steps 1..10.
    assertEquals(EVERY + STEPS, resumed.privacy().steps());
    assertEquals(rdpEpsilon(EVERY + STEPS), resumed.privacy().epsilon(), 1e-12);
  }

  @Test
  void aCompleteRunIsNeitherTrainedNorChargedAgain(@TempDir Path dir) {
    DpSgdConfig c = config(STEPS).checkpoints(dir.toString(), EVERY);
    TrainingResult first = trainer(c).fit(data);
    AtomicInteger stepsRun = new AtomicInteger();
    TrainingResult again = trainer(c).listener(m -> stepsRun.incrementAndGet()).fit(data);
    assertEquals(0, stepsRun.get());
    assertArrayEquals(first.params(), again.params(), 0.0);
    assertEquals(first.privacy().epsilon(), again.privacy().epsilon(), 1e-12);
    assertEquals(STEPS, again.privacy().steps());
    assertEquals(rdpEpsilon(STEPS), again.privacy().epsilon(), 1e-12);
  }

  @Test
  void aCheckpointOfOtherSettingsIsRefusedBeforeAnyStep(@TempDir Path dir) throws IOException {
    assertThrows(
        IllegalStateException.class,
        () ->
            trainer(config(STEPS).checkpoints(dir.toString(), EVERY))
                .listener(crashingAt(12))
                .fit(data));
    List<String> before = files(dir);
    AtomicInteger stepsRun = new AtomicInteger();
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                trainer(config(STEPS + 5).checkpoints(dir.toString(), EVERY))
                    .listener(m -> stepsRun.incrementAndGet())
                    .fit(data));
    assertTrue(
        e.getMessage().contains("different run")
            && e.getMessage().contains("steps: 30 in the checkpoint, 35 now"),
        e.getMessage());
    assertEquals(0, stepsRun.get());
    assertEquals(before, files(dir), "the checkpoint is left as it was");
  }

  @Test
  void aDamagedCheckpointFallsBackToThePreviousOneButItsChargeStillCounts(@TempDir Path dir)
      throws IOException {
    DpSgdConfig c = config(STEPS).checkpoints(dir.toString(), EVERY);
    assertThrows(IllegalStateException.class, () -> trainer(c).listener(crashingAt(15)).fit(data));
    // A newer file that cannot be read (a disk error, a crash the rename did not cover).
    Files.writeString(
        dir.resolve("checkpoint-000000000099-20.json"), "{\"format_version\": 1, \"run\": {");
    CheckpointStore store =
        new CheckpointStore(
            dir.toString(), SparkTestSession.get().sparkContext().hadoopConfiguration());
    Checkpoint latest = store.latest();
    assertNotNull(latest);
    assertEquals(EVERY, latest.step());
    assertEquals(2 * EVERY, latest.chargedSteps());
    assertEquals(99, store.largestRecordedCharge());
    TrainingResult resumed = trainer(c).fit(data);
    // Resumed from the readable state after step 10, charged at least what the damaged file
    // recorded.
    assertEquals(99 + STEPS - EVERY, resumed.privacy().steps());
    assertEquals(rdpEpsilon(99 + STEPS - EVERY), resumed.privacy().epsilon(), 1e-12);
  }

  @Test
  void theLastTwoAreKeptAndADamagedNewestOneFallsBackToTheOneBefore(@TempDir Path dir)
      throws IOException {
    DpSgdConfig c = config(STEPS).checkpoints(dir.toString(), EVERY);
    // Checkpoints after steps 0, 10 and 20 (reserving 10, 20, 30); dies after step 25.
    assertThrows(IllegalStateException.class, () -> trainer(c).listener(crashingAt(25)).fit(data));
    assertEquals(
        List.of("checkpoint-000000000020-10.json", "checkpoint-000000000030-20.json"),
        files(dir).stream()
            .filter(f -> !f.startsWith("."))
            .toList()); // not the local FS's .crc files
    // The newest one is damaged (cut short) after it was written.
    Path newest = dir.resolve("checkpoint-000000000030-20.json");
    Files.write(newest, Arrays.copyOf(Files.readAllBytes(newest), 100));
    AtomicInteger firstStep = new AtomicInteger();
    TrainingResult resumed =
        trainer(c).listener(m -> firstStep.compareAndSet(0, (int) m.step())).fit(data);
    assertEquals(
        EVERY + 1,
        firstStep.get(),
        "resumed after step 10, from the checkpoint before the damaged one");
    // Its reservation (30) still counts, and steps 11..30 ran again.
    assertEquals(30 + STEPS - EVERY, resumed.privacy().steps());
  }

  @Test
  void twoCrashesInARowAreBothPaidFor(@TempDir Path dir) {
    TrainingResult uninterrupted = trainer(config(STEPS)).fit(data);
    DpSgdConfig c = config(STEPS).checkpoints(dir.toString(), EVERY);
    // 1st attempt: checkpoint after step 10 reserves 11..20; dies after step 15.
    assertThrows(IllegalStateException.class, () -> trainer(c).listener(crashingAt(15)).fit(data));
    // 2nd attempt: resumes with 20 charged, re-reserves 11..20 (30), then 21..30 (40); dies after
    // 25.
    assertThrows(IllegalStateException.class, () -> trainer(c).listener(crashingAt(25)).fit(data));
    // 3rd attempt: resumes after step 20 with 40 charged and runs 21..30.
    TrainingResult done = trainer(c).fit(data);
    assertEquals(50, done.privacy().steps());
    assertArrayEquals(uninterrupted.params(), done.params(), 1e-9);
  }

  @Test
  void aSecondWriterWithLessChargedIsStopped(@TempDir Path dir) throws IOException {
    DpSgdConfig c = config(STEPS).checkpoints(dir.toString(), EVERY);
    assertThrows(IllegalStateException.class, () -> trainer(c).listener(crashingAt(5)).fit(data));
    CheckpointStore store =
        new CheckpointStore(
            dir.toString(), SparkTestSession.get().sparkContext().hadoopConfiguration());
    Checkpoint stale = store.latest();
    Checkpoint behind =
        new Checkpoint(
            stale.run(),
            0,
            3,
            false,
            stale.params(),
            stale.optimizerState(),
            stale.emaSum(),
            stale.emaWeight(),
            stale.metrics());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.write(behind));
    assertTrue(e.getMessage().contains("another run"), e.getMessage());
    assertEquals(EVERY, store.largestRecordedCharge(), "the other run's checkpoint is kept");
  }

  @Test
  void checkpointJsonRoundTripsEveryValue() throws IOException {
    DpSgdConfig c = config(STEPS);
    TrainingPlan plan = TrainingPlan.resolve(c, 2000);
    Checkpoint cp =
        new Checkpoint(
            Checkpoint.fingerprint(c, plan, "m", 3),
            7,
            17,
            false,
            new double[] {0.1, -2.5e-300, Math.PI},
            new double[][] {{1, 2, 3}, {4, 5, 6}, {7}},
            new double[] {1, 1, 2},
            0.25,
            List.of(new StepMetrics(1, 30, 0.5, Double.POSITIVE_INFINITY, 0.1, 100)));
    Checkpoint back = Checkpoint.fromJson(cp.toJson());
    assertArrayEquals(cp.params(), back.params(), 0.0);
    assertArrayEquals(cp.optimizerState()[2], back.optimizerState()[2], 0.0);
    assertArrayEquals(cp.emaSum(), back.emaSum(), 0.0);
    assertEquals(cp.emaWeight(), back.emaWeight());
    assertEquals(cp.metrics(), back.metrics());
    assertEquals(null, back.mismatch(cp.run()));
    assertEquals(17, back.chargedSteps());
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
