package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.sampling.SamplingKey;

/**
 * Resident tasks compute, bit for bit, what one Spark job per step computes: for DP and non-private
 * steps, in float and double, over several steps with changing weights, when a task attempt is
 * killed between steps (Spark relaunches it; the driver sends the step again), whether the tasks
 * link to the driver in memory (local mode) or over its socket, and with a stranger on the driver's
 * port. Where they cannot run (more partitions than task slots, or a tree) the run uses per-step
 * jobs, and says so.
 */
@Timeout(300) // a deadlock fails the test instead of hanging the build
class ResidentStepsTest {
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

  private static StepContext settings(double clip, boolean useDouble) {
    return new StepContext(SPEC, clip, 0.2, SamplingKey.forTesting(7), 0, useDouble, 3000);
  }

  /** Weights that change with the step, as training's do. */
  private static double[] weightsOf(long step) {
    return SPEC.initialParams(100 + step);
  }

  /**
   * The sums of steps 1..n with one Spark job each. Computed before the resident tasks start: while
   * they run they hold every task slot, so no other job of the context could run.
   */
  private static List<ClippedGradientAggregator> perStepJobs(StepContext s, int n) {
    List<ClippedGradientAggregator> sums = new ArrayList<>();
    for (long t = 1; t <= n; t++) {
      ClippedGradientAggregator a = DistributedStep.run(data.rdd(), s.atStep(t), weightsOf(t), 2);
      a.gradientSum(); // rounds what is pending
      sums.add(a);
    }
    return sums;
  }

  private static void assertSameSums(
      ClippedGradientAggregator expected, ClippedGradientAggregator actual, String what) {
    assertArrayEquals(expected.gradientSum(), actual.gradientSum(), 0.0, what);
    assertEquals(expected.lossSum(), actual.lossSum(), 0.0, what);
  }

  /**
   * Local mode runs the tasks in this JVM, where they link to the driver in memory unless told to
   * use its socket (as executors in their own JVMs do); the count of in-memory links tells which
   * way they went.
   */
  private static ResidentSteps start(StepContext s, boolean inJvm) throws Exception {
    long before = InJvmLinks.linksMade();
    ResidentSteps resident = ResidentSteps.start(data.rdd(), s, 30_000, inJvm);
    resident.run(s.atStep(0), weightsOf(0), new StepTimings()); // every task has linked
    assertEquals(inJvm ? 2 : 0, InJvmLinks.linksMade() - before, "in-memory links");
    return resident;
  }

  @ParameterizedTest(name = "in-JVM links {0}")
  @ValueSource(booleans = {true, false})
  void residentStepsEqualPerStepJobsBitForBit(boolean inJvm) throws Exception {
    assertEquals(2, data.rdd().getNumPartitions());
    assertNull(ResidentSteps.unavailable(data.rdd(), 2));
    for (double clip : new double[] {0.7, Double.POSITIVE_INFINITY}) {
      for (boolean useDouble : new boolean[] {false, true}) {
        StepContext s = settings(clip, useDouble);
        List<ClippedGradientAggregator> jobs = perStepJobs(s, 4);
        StepTimings timings = new StepTimings();
        try (ResidentSteps resident = start(s, inJvm)) {
          for (long t = 1; t <= 4; t++) {
            ClippedGradientAggregator expected = jobs.get((int) t - 1);
            ClippedGradientAggregator actual = resident.run(s.atStep(t), weightsOf(t), timings);
            assertSameSums(expected, actual, "clip " + clip + ", double " + useDouble + ", t " + t);
            assertTrue(actual.lossSum() > 0, "examples were sampled");
          }
          assertTrue(timings.residentResultBytes() > 0);
        }
      }
    }
  }

  @ParameterizedTest(name = "in-JVM links {0}")
  @ValueSource(booleans = {true, false})
  void aKilledTaskIsRelaunchedAndGetsTheStepAgain(boolean inJvm) throws Exception {
    SparkContext sc = data.rdd().context();
    Map<Integer, List<Long>> attemptsByPartition = new ConcurrentHashMap<>();
    SparkListener starts =
        new SparkListener() {
          @Override
          public void onTaskStart(SparkListenerTaskStart start) {
            attemptsByPartition
                .computeIfAbsent(start.taskInfo().index(), k -> new CopyOnWriteArrayList<>())
                .add(start.taskInfo().taskId());
          }
        };
    StepContext s = settings(0.7, false);
    List<ClippedGradientAggregator> jobs = perStepJobs(s, 3);
    sc.addSparkListener(starts);
    long linksBefore = InJvmLinks.linksMade();
    try (ResidentSteps resident = ResidentSteps.start(data.rdd(), s, 30_000, inJvm)) {
      assertSameSums(
          jobs.get(0), resident.run(s.atStep(1), weightsOf(1), new StepTimings()), "before");
      long residentTask = attemptsByPartition.get(0).get(0);
      assertTrue(sc.killTaskAttempt(residentTask, true, "test: a lost task attempt"));
      for (long t = 2; t <= 3; t++) {
        assertSameSums(
            jobs.get((int) t - 1),
            resident.run(s.atStep(t), weightsOf(t), new StepTimings()),
            "after the kill, step " + t);
      }
      // The scheduler posts a task's start from its own event loop, so on a loaded machine the
      // listener can hear of the relaunched attempt after the steps it served: wait for it.
      long deadline = System.nanoTime() + 30_000_000_000L;
      sc.listenerBus().waitUntilEmpty(10_000);
      while (attemptsByPartition.get(0).size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
        sc.listenerBus().waitUntilEmpty(10_000);
      }
      assertEquals(2, attemptsByPartition.get(0).size(), "partition 0 ran a second attempt");
      assertEquals(1, attemptsByPartition.get(1).size(), "partition 1 kept its task");
      assertEquals(inJvm ? 3 : 0, InJvmLinks.linksMade() - linksBefore, "in-memory links");
    } finally {
      sc.removeSparkListener(starts);
    }
  }

  @Test
  void aConnectionWithoutTheTokenIsRefusedAndTheStepsGoOn() throws Exception {
    StepContext s = settings(0.7, false);
    List<ClippedGradientAggregator> jobs = perStepJobs(s, 2);
    try (ResidentSteps resident = ResidentSteps.start(data.rdd(), s, 30_000)) {
      ClippedGradientAggregator first = resident.run(s.atStep(1), weightsOf(1), new StepTimings());
      try (Socket stranger = new Socket("127.0.0.1", resident.port())) {
        stranger.setSoTimeout(30_000); // a driver that kept the connection fails the read below
        OutputStream out = stranger.getOutputStream();
        StepWire.writeFrame(out, StepWire.hello(new byte[StepWire.TOKEN_BYTES], 0, 99));
        assertEquals(-1, stranger.getInputStream().read(), "the driver closes the connection");
      }
      assertSameSums(jobs.get(0), first, "before the stranger");
      assertSameSums(
          jobs.get(1),
          resident.run(s.atStep(2), weightsOf(2), new StepTimings()),
          "after the stranger");
    }
  }

  @Test
  void moreTasksThanSlotsOrATreeUsePerStepJobs() {
    JavaRDD<ExampleBlock> three = data.rdd().repartition(3).cache();
    try {
      String why = ResidentSteps.unavailable(three, 2);
      assertNotNull(why);
      assertTrue(why.contains("3 partitions but 2 task slots"), why);
      JavaRDD<ExampleBlock> six = data.rdd().repartition(6);
      assertTrue(ResidentSteps.unavailable(six, 2).contains("in a tree"));
      List<String> notes = new ArrayList<>();
      StepContext s = settings(0.7, false);
      try (ClusterSteps cluster = ClusterSteps.open(three, s, 2, true, notes::add)) {
        assertFalse(cluster.resident());
        assertSameSums(
            DistributedStep.run(three, s.atStep(1), weightsOf(1), 2),
            cluster.run(s.atStep(1), weightsOf(1), new StepTimings()),
            "per-step job");
      }
      assertEquals(List.of("steps run as one Spark job each: " + why), notes);
    } finally {
      three.unpersist();
    }
  }

  /** A whole run: the trained weights are the same with resident tasks and with per-step jobs. */
  @Test
  void aTrainingRunGivesTheSameWeightsEitherWay() {
    List<String> notes = new ArrayList<>();
    double[][] params = new double[2][];
    for (int k = 0; k < 2; k++) {
      DpSgdConfig c =
          new DpSgdConfig()
              .hiddenLayers(new int[] {5})
              .noiseMultiplier(1.0)
              .expectedBatchSize(300)
              .steps(6)
              .residentTasks(k == 0);
      params[k] =
          new DpSgdTrainer(c)
              .noiseSourceForTesting(NoiseSources.seededForTesting(11))
              .samplingKeyForTesting(SamplingKey.forTesting(5))
              .listener(
                  new ProgressListener() {
                    @Override
                    public void onStep(StepMetrics m) {}

                    @Override
                    public void onNote(String note) {
                      notes.add(note);
                    }
                  })
              .fit(data)
              .params();
    }
    assertArrayEquals(params[1], params[0], 0.0);
    assertTrue(
        notes.contains(
            "steps run in 2 resident tasks (one Spark job for the run;"
                + " training.resident-tasks)"),
        notes.toString());
    assertTrue(
        notes.contains("steps run as one Spark job each: training.resident-tasks is false"),
        notes.toString());
  }
}
