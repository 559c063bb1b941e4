package org.sparkdpsgd.train;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.aggregate.StepWeights;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.SamplingKey;

/**
 * Run by {@link TaskCoresTest} in a JVM of its own, whose Spark context gives each task 2 cores
 * ({@code spark.task.cpus = 2} in local[4]: two task slots). Prints one line per check and exits
 * with 0 if a step's sums, as a per-step job and as resident tasks, are those of each partition's
 * blocks split over 2 threads, and differ from the unsplit sums.
 */
public final class TaskCoresCheck {
  private TaskCoresCheck() {}

  public static void main(String[] args) throws Exception {
    SparkSession.builder()
        .master("local[4]")
        .appName("task-cores-check")
        .config("spark.task.cpus", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate();
    ModelSpec spec = ModelSpec.mlp(6, new int[] {5}, Activation.TANH, 3);
    double[] weights = spec.initialParams(3);
    boolean ok;
    try (TrainingBlocks data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(6000, 6, 3, 1, 4), "features", "label", 0, 0, 200, "data")) {
      JavaRDD<ExampleBlock> two = data.rdd().repartition(2).cache();
      StepContext s = new StepContext(spec, 0.7, 0.3, SamplingKey.forTesting(42), 5, false, 6000);
      List<List<ExampleBlock>> partitions = two.glom().collect();
      double[] split = local(partitions, s, weights, 2);
      double[] whole = local(partitions, s, weights, 1);
      double[] job = DistributedStep.run(two, s, weights, 1).gradientSum();
      double[] resident;
      try (ResidentSteps r = ResidentSteps.start(two, s, 30_000)) {
        resident = r.run(s, weights, new StepTimings()).gradientSum();
      }
      // What the tasks themselves were given (not what this JVM asked for).
      List<Integer> cores = two.map(b -> TaskContext.get().cpus()).distinct().collect();
      ok = check("task cpus", cores.equals(List.of(2)));
      ok &=
          check("partitions with several blocks", partitions.stream().allMatch(p -> p.size() > 1));
      ok &= check("split differs from whole", !Arrays.equals(split, whole));
      ok &= check("per-step job equals split", Arrays.equals(job, split));
      ok &= check("resident tasks equal split", Arrays.equals(resident, split));
    }
    System.exit(ok ? 0 : 1);
  }

  /** Each partition's blocks added on {@code threads} threads, the partitions merged. */
  private static double[] local(
      List<List<ExampleBlock>> partitions, StepContext s, double[] weights, int threads) {
    ClippedGradientAggregator total = null;
    for (List<ExampleBlock> p : partitions) {
      ClippedGradientAggregator a =
          ClippedGradientAggregator.of(s, () -> StepWeights.forStep(s, weights)).addAll(p, threads);
      total = total == null ? a : total.merge(a);
    }
    return total.gradientSum();
  }

  private static boolean check(String what, boolean passed) {
    System.out.println("check " + what + ": " + (passed ? "ok" : "FAILED"));
    return passed;
  }
}
