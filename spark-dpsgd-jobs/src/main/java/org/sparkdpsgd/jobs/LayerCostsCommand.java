package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.commons.math3.stat.descriptive.rank.Median;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkdpsgd.clip.ClipFactors;
import org.sparkdpsgd.model.BatchGradients;
import org.sparkdpsgd.model.GradientSums;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.util.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Where an executor's time goes in one batch, DP against non-private, on one thread and without
 * Spark: the forward and backward pass (the same in both), the per-example norm bounds and clip
 * factors (DP only), and the clipped weighted sum against the plain gradient sum. What a step costs
 * beyond this is Spark's (see {@code bench}'s fixed cost). Rounds alternate DP and non-private;
 * medians are reported.
 */
@Command(
    name = "bench-layers",
    mixinStandardHelpOptions = true,
    description =
        "Per-phase compute of one executor batch, DP vs non-private, single thread; last line JSON.")
final class LayerCostsCommand implements Callable<Integer> {
  private static final WorkspaceConfiguration WORKSPACE =
      WorkspaceConfiguration.builder()
          .initialSize(0)
          .policyLearning(LearningPolicy.FIRST_LOOP)
          .policyAllocation(AllocationPolicy.OVERALLOCATE)
          .overallocationLimit(0.3)
          .build();

  @Option(
      names = "--model",
      description = "mlp | logreg | cnn (default: mlp; cnn = model.layers of --config)")
  String model = "mlp";

  @Option(names = "--rows", description = "rows per batch, as one task computes (default: 512)")
  int rows = 512;

  @Option(names = "--rounds", description = "alternating rounds (default: 7)")
  int rounds = 7;

  @Option(names = "--reps", description = "batches per round and mode (default: 20)")
  int reps = 20;

  @Option(names = "--config", description = "HOCON config for the model (as train's)")
  String config;

  @Option(names = "--set", description = "override a setting (repeatable)")
  List<String> sets = new ArrayList<>();

  @Override
  public Integer call() {
    if (rows < 1 || rounds < 1 || reps < 1) {
      throw new InvalidInputException(
          "--rows, --rounds and --reps must be >= 1; provided values: "
              + rows
              + ", "
              + rounds
              + ", "
              + reps);
    }
    List<String> overrides = new ArrayList<>();
    overrides.add("model.type=" + model);
    overrides.addAll(sets);
    JobConfig c = JobConfig.load(config, overrides);
    DpSgdConfig dp = TrainerSettings.from(c);
    // Fashion-MNIST's shape unless the config names another (0 = the data's, which is not read).
    int features = c.integer("data.num-features");
    int classes = c.integer("data.num-classes");
    ModelSpec spec =
        dp.modelSpec(features > 0 ? features : 784, classes > 0 ? classes : 10).trainable();
    System.out.println("bench-layers: " + spec.describe() + " (" + spec.numParams() + " params)");

    SplittableRandom rng = new SplittableRandom(1);
    float[] x = new float[rows * spec.inputDim()];
    for (int k = 0; k < x.length; k++) {
      x[k] = (float) (rng.nextDouble() * 2 - 1);
    }
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = rng.nextInt(spec.numClasses());
    }
    Network net = new Network(spec, spec.initialParams(dp.initSeed()), DataType.FLOAT);
    GradientSums sums = new GradientSums(spec, DataType.FLOAT);
    Phases dpPhases = new Phases();
    Phases plainPhases = new Phases();
    for (int r = -1; r < rounds; r++) { // round -1 warms up
      measure(net, sums, x, y, true, r < 0 ? new Phases() : dpPhases);
      measure(net, sums, x, y, false, r < 0 ? new Phases() : plainPhases);
    }
    double dpMs = dpPhases.medianTotal();
    double plainMs = plainPhases.medianTotal();
    System.out.println(dpPhases.describe("DP         ", rows));
    System.out.println(plainPhases.describe("non-private", rows));
    System.out.printf(
        Locale.ROOT,
        "DP / non-private compute: %.3f (%.2f vs %.2f µs per example)%n",
        dpMs / plainMs,
        1000 * dpMs / rows,
        1000 * plainMs / rows);
    ObjectNode json = OutputWriter.JSON.createObjectNode();
    json.put("model", model);
    json.put("rows", rows);
    json.set("dp_ms", dpPhases.json());
    json.set("nonprivate_ms", plainPhases.json());
    json.put("compute_ratio", Math.round(dpMs / plainMs * 1000) / 1000.0);
    System.out.println(json);
    return 0;
  }

  /** One round: {@code reps} batches of one mode, each phase timed. */
  private void measure(
      Network net, GradientSums sums, float[] x, int[] y, boolean dp, Phases into) {
    long[] nanos = new long[Phases.NAMES.length];
    for (int k = 0; k < reps; k++) {
      sums.zero();
      try (MemoryWorkspace ws =
          Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "bench-layers")) {
        long t0 = System.nanoTime();
        INDArray in = net.input(x, rows);
        BatchGradients g = net.forwardBackward(in, y);
        long t1 = System.nanoTime();
        double[] factors = dp ? ClipFactors.fromSquaredNorms(g.squaredNormBounds(), 1.0) : null;
        long t2 = System.nanoTime();
        g.addWeightedSum(factors, sums);
        long t3 = System.nanoTime();
        nanos[0] += t1 - t0;
        nanos[1] += t2 - t1;
        nanos[2] += t3 - t2;
      }
      long t4 = System.nanoTime();
      sums.addTo(new double[sums.spec().numParams()]);
      nanos[3] += System.nanoTime() - t4;
    }
    into.add(nanos, reps);
  }

  /** Per-round means of each phase; medians over rounds. */
  private static final class Phases {
    static final String[] NAMES = {"forward+backward", "norms+factors", "weighted sum", "read out"};
    private final List<double[]> perRound = new ArrayList<>();

    void add(long[] nanos, int reps) {
      double[] ms = new double[nanos.length];
      for (int k = 0; k < ms.length; k++) {
        ms[k] = nanos[k] / 1e6 / reps;
      }
      perRound.add(ms);
    }

    double median(int phase) {
      return new Median().evaluate(perRound.stream().mapToDouble(r -> r[phase]).toArray());
    }

    double medianTotal() {
      return new Median()
          .evaluate(perRound.stream().mapToDouble(r -> Arrays.stream(r).sum()).toArray());
    }

    String describe(String label, int rows) {
      StringBuilder sb = new StringBuilder(label + ":");
      for (int k = 0; k < NAMES.length; k++) {
        sb.append(String.format(Locale.ROOT, " %s %.3f ms,", NAMES[k], median(k)));
      }
      sb.append(String.format(Locale.ROOT, " total %.3f ms per %d rows", medianTotal(), rows));
      return sb.toString();
    }

    ArrayNode json() {
      ArrayNode a = OutputWriter.JSON.createArrayNode();
      for (int k = 0; k < NAMES.length; k++) {
        a.add(
            OutputWriter.JSON.createObjectNode().put(NAMES[k], Math.round(median(k) * 1e4) / 1e4));
      }
      return a;
    }
  }
}
