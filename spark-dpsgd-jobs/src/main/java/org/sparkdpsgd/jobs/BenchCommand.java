package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.commons.math3.stat.descriptive.rank.Median;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.StepMetrics;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of DP training against the same steps without clipping and noise, in this engine, on
 * the same cached data, measured side by side in one run: every round runs each mode on each data
 * set once, one right after the other (in reverse order every other round), so that drift of a
 * shared machine hits them alike, and summaries are medians of per-round ratios ({@link
 * PairedRounds}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Examples/s of DP-SGD vs the same training without privacy; last line is JSON.")
final class BenchCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      description =
          "mlp | logreg | cnn (default: mlp; cnn = model.layers of the defaults or --config)")
  String model = "mlp";

  @Option(names = "--batch-size", description = "expected batch size (default: 1024)")
  long batchSize = 1024;

  @Option(
      names = "--steps",
      description =
          "measured steps per round and mode (default: 30); each run trains one more, its first,"
              + " untimed: that step also waits for the run's tasks to start")
  int steps = 30;

  @Option(
      names = "--warmup-steps",
      description =
          "steps per mode run once, untimed, before the rounds (default: 400 for logreg, 300 for"
              + " mlp, 60 for cnn, or --steps if more); the JIT keeps compiling for some hundred"
              + " steps, so a short warm-up understates a long run")
  Integer warmupSteps;

  @Option(
      names = "--rounds",
      description = "rounds, each running every mode once; the median is over them (default: 5)")
  int rounds = 5;

  @Option(
      names = "--synthetic",
      paramLabel = "ROWSxFEATURES[,...]",
      description =
          "train on data generated on the executors (e.g. 6000000x100): standard normal features,"
              + " labels from a fixed logistic teacher; no file is read. Several sizes"
              + " (60000x100,6000000x100) run in the same rounds, for a scale curve")
  String synthetic;

  @Option(names = "--synthetic-classes", description = "classes of --synthetic data (default: 10)")
  int syntheticClasses = 10;

  @Option(
      names = "--noise-prefetch",
      description =
          "on | off: draw the next step's noise on a background thread while the step runs"
              + " (default: on); compare: each round runs DP both ways")
  String noisePrefetch = "on";

  @Option(
      names = "--config",
      description =
          "HOCON config for data, model and Spark settings (local, Hadoop path or in the job jar)")
  String config;

  @Option(names = "--set", description = "override a setting (repeatable)")
  List<String> sets = new ArrayList<>();

  /** One way of training that every round runs; the first is DP, the last non-private. */
  private record Mode(String name, DpSgdConfig config, boolean noiseAhead) {}

  @Override
  public Integer call() {
    checkOptions();
    List<SyntheticSize> sizes =
        synthetic == null ? List.of() : SyntheticSize.parseList(synthetic, "--synthetic");
    if (sizes.stream().mapToInt(SyntheticSize::features).distinct().count() > 1) {
      throw new InvalidInputException(
          "--synthetic sizes must have the same number of features (one model trains on all);"
              + " provided value: '"
              + synthetic
              + "'");
    }
    List<String> overrides = new ArrayList<>();
    overrides.add("model.type=" + model);
    overrides.add("training.expected-batch-size=" + batchSize);
    overrides.add("training.epochs=null");
    // One step more than is timed: the first step of a run also waits for the run's tasks to start
    // and connect, once per run; the rates are those of the steps after it (see steadyRate).
    overrides.add("training.steps=" + (steps + 1));
    // A fixed σ: calibration is not what is measured here.
    overrides.add("privacy.target-epsilon=null");
    overrides.add("privacy.noise-multiplier=1.0");
    overrides.addAll(sets);
    JobConfig c = JobConfig.load(config, overrides);
    DpSgdConfig dp = TrainerSettings.from(c);
    List<Mode> modes = modes(dp, TrainerSettings.from(c).nonPrivate(true));
    int warmup = warmupSteps();
    List<Mode> warmupModes =
        modes(
            TrainerSettings.from(c).steps(warmup),
            TrainerSettings.from(c).steps(warmup).nonPrivate(true));
    SparkSession spark = SparkSessions.start(c);
    List<BenchData> data = new ArrayList<>();
    try {
      if (sizes.isEmpty()) {
        data.add(BenchData.fromFiles(spark, c, dp));
      }
      for (SyntheticSize size : sizes) {
        data.add(BenchData.synthetic(spark, size, syntheticClasses, dp));
      }
      run(spark, dp, modes, warmupModes, data);
    } finally {
      for (BenchData d : data) {
        d.close();
      }
    }
    return 0;
  }

  private void run(
      SparkSession spark,
      DpSgdConfig dp,
      List<Mode> modes,
      List<Mode> warmupModes,
      List<BenchData> data) {
    ModelSpec full = data.get(0).fullSpec(dp);
    ModelSpec spec = full.trainable();
    System.out.println("bench: " + full.describe() + " (" + spec.numParams() + " parameters)");
    System.out.printf(
        Locale.ROOT,
        "bench: %s, expected batch %d, %d rounds x %d steps per mode and data set%n",
        model,
        batchSize,
        rounds,
        steps);
    ClusterCosts costs = new ClusterCosts(spark);
    List<ClusterCosts.Cached> cached = new ArrayList<>();
    for (BenchData d : data) {
      cached.add(costs.cached(d.blocks().rdd(), d.blocks().numExamples()));
      System.out.println("bench: " + d.label() + ": " + cached.get(cached.size() - 1).describe());
    }
    // Warm-up: JIT, ND4J native loading, Spark's first jobs.
    for (BenchData d : data) {
      for (Mode m : warmupModes) {
        fit(m, d.blocks(), spec);
      }
    }
    int dpMode = 0;
    int plainMode = modes.size() - 1;
    double[][][] rates = new double[data.size()][modes.size()][rounds];
    List<Double> startupMillis = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (int s = 0; s < data.size(); s++) {
        String where = data.size() == 1 ? "" : " " + data.get(s).label();
        for (int k = 0; k < modes.size(); k++) {
          // Odd rounds run the modes in reverse order: a machine that slows down (or speeds up)
          // during a round favours neither mode over a pair of rounds.
          int m = r % 2 == 0 ? k : modes.size() - 1 - k;
          costs.counting(s == 0 && m == dpMode);
          TrainingResult res = fit(modes.get(m), data.get(s).blocks(), spec);
          rates[s][m][r] = steadyRate(res, batchSize);
          startupMillis.add(res.metrics().get(0).elapsedSeconds() * 1e3);
          if (s == 0 && m == dpMode) {
            costs.addResidentResultBytes(res.timings().residentResultBytes());
          }
          System.out.printf(
              Locale.ROOT,
              "round %d/%d%s %s: %,.0f examples/s, %.1f ms/step (%s)%n",
              r + 1,
              rounds,
              where,
              modes.get(m).name(),
              rates[s][m][r],
              msPerStep(rates[s][m][r]),
              res.timings());
        }
        costs.counting(false);
        System.out.printf(
            Locale.ROOT,
            "round %d/%d%s DP/non-private: %.3f%n",
            r + 1,
            rounds,
            where,
            rates[s][dpMode][r] / rates[s][plainMode][r]);
      }
    }
    double[] initial = spec.initialParams(dp.initSeed());
    List<ObjectNode> perData = new ArrayList<>();
    for (int s = 0; s < data.size(); s++) {
      String where = data.size() == 1 ? "" : data.get(s).label() + ": ";
      TrainingBlocks blocks = data.get(s).blocks();
      PairedRounds paired = new PairedRounds(rates[s][dpMode], rates[s][plainMode]);
      System.out.println(where + summary("DP/non-private", paired, "DP", "non-private"));
      ObjectNode json = OutputWriter.JSON.createObjectNode();
      json.put("data", data.get(s).label());
      json.put("examples", blocks.numExamples());
      json.put("features", data.get(s).input().dim());
      putPaired(json, paired);
      if (modes.size() == 3) {
        PairedRounds aheadVsAtStep = new PairedRounds(rates[s][0], rates[s][1]);
        System.out.println(
            where
                + summary(
                    "noise ahead/noise at step",
                    aheadVsAtStep,
                    modes.get(0).name(),
                    modes.get(1).name()));
        json.put("dp_noise_at_step_examples_per_s", round1(aheadVsAtStep.baselineMedian()));
        putArray(json, "dp_noise_at_step_examples_per_s_rounds", rates[s][1], 10);
        json.put("noise_ahead_ratio_median", round3(aheadVsAtStep.ratioMedian()));
        json.put("noise_ahead_ratio_min", round3(aheadVsAtStep.ratioMin()));
        json.put("noise_ahead_ratio_max", round3(aheadVsAtStep.ratioMax()));
        putArray(json, "noise_ahead_ratio_rounds", aheadVsAtStep.ratios(), 1000);
      }
      if (s > 0) {
        // DP examples/s at the first size over those here = DP ms/step here over ms/step there.
        PairedRounds slower = new PairedRounds(rates[0][dpMode], rates[s][dpMode]);
        System.out.printf(
            Locale.ROOT,
            "%sDP ms/step relative to %s: median %.3f (min %.3f, max %.3f)%n",
            where,
            data.get(0).label(),
            slower.ratioMedian(),
            slower.ratioMin(),
            slower.ratioMax());
        json.put("dp_ms_per_step_vs_first_median", round3(slower.ratioMedian()));
        json.put("dp_ms_per_step_vs_first_min", round3(slower.ratioMin()));
        json.put("dp_ms_per_step_vs_first_max", round3(slower.ratioMax()));
        putArray(json, "dp_ms_per_step_vs_first_rounds", slower.ratios(), 1000);
      }
      cached.get(s).put(json);
      double emptyMs =
          costs.emptyStepMillis(
              blocks.rdd(),
              blocks.numExamples(),
              spec,
              initial,
              dp.aggregationDepth(),
              dp.residentTasks(),
              steps);
      json.put("empty_step_ms", round1(emptyMs));
      json.put("partitions", blocks.rdd().getNumPartitions());
      if (data.get(s).fixedSeconds() > 0) {
        json.put("fixed_layers_seconds", round1(data.get(s).fixedSeconds()));
      }
      perData.add(json);
    }
    double emptyMs = perData.get(0).get("empty_step_ms").asDouble();
    double aggregated = costs.resultBytesPerStep((long) (steps + 1) * rounds);
    double startup =
        new Median().evaluate(startupMillis.stream().mapToDouble(Double::doubleValue).toArray());
    System.out.printf(
        Locale.ROOT,
        "start of a run to the end of its first step (untimed): median %.1f ms%n",
        startup);
    System.out.println(
        ClusterCosts.describe(emptyMs, ClusterCosts.broadcastBytes(initial), aggregated));
    System.out.println(summaryJson(perData, initial, aggregated, startup, costs, data));
  }

  /**
   * Examples/s of a run's steps after its first: from the end of step 1 to the end of the last
   * step, as the peers time their steps after warming up. The first step also waits for the run's
   * tasks to start and connect (tens of ms once per run, reported on its own), which would
   * otherwise weigh on a short run's rate as it never does on a training run of thousands of steps.
   */
  static double steadyRate(TrainingResult res, long batchSize) {
    List<StepMetrics> m = res.metrics();
    double seconds = m.get(m.size() - 1).elapsedSeconds() - m.get(0).elapsedSeconds();
    return batchSize * (m.size() - 1) / seconds;
  }

  /** The last line: the first data set's results at the top level (as before), then the others. */
  private ObjectNode summaryJson(
      List<ObjectNode> perData,
      double[] initial,
      double aggregated,
      double startup,
      ClusterCosts costs,
      List<BenchData> data) {
    ObjectNode json = OutputWriter.JSON.createObjectNode();
    json.put("model", model);
    json.put("batch_size", batchSize);
    json.put("rounds", rounds);
    json.put("steps_per_round", steps);
    json.put("warmup_steps", warmupSteps());
    json.put("steps", steps * rounds);
    json.put("run_start_ms_median", round1(startup));
    json.put("noise_prefetch", noisePrefetch.trim().toLowerCase(Locale.ROOT));
    json.setAll(perData.get(0));
    costs.put(
        json,
        data.get(0).blocks().rdd().getNumPartitions(),
        perData.get(0).get("empty_step_ms").asDouble(),
        initial,
        aggregated,
        costs.executorOmpThreads(data.get(0).blocks().rdd()));
    if (perData.size() > 1) {
      ArrayNode all = json.putArray("data_sets");
      perData.forEach(all::add);
    }
    return json;
  }

  private void checkOptions() {
    if (steps < 1) {
      throw new InvalidInputException("--steps must be >= 1; provided value: " + steps);
    }
    if (warmupSteps != null && warmupSteps < 1) {
      throw new InvalidInputException(
          "--warmup-steps must be >= 1; provided value: " + warmupSteps);
    }
    if (rounds < 1) {
      throw new InvalidInputException("--rounds must be >= 1; provided value: " + rounds);
    }
    if (syntheticClasses < 2) {
      throw new InvalidInputException(
          "--synthetic-classes must be >= 2; provided value: " + syntheticClasses);
    }
  }

  /**
   * The untimed warm-up: as asked, or by default enough steps for the JIT to have compiled the
   * step's loops (with 30, the MLP at 1024 ran at half its later rate: DP 61,059 examples/s and
   * DP/non-private 0.78 over 5 rounds of 30 steps, against 130,344 and 0.93 over 9 rounds of 60
   * after 300, 2026-12-07), and never fewer than the timed steps.
   */
  int warmupSteps() {
    if (warmupSteps != null) {
      return warmupSteps;
    }
    int jit =
        switch (model) {
          case "logreg" -> 400;
          case "mlp" -> 300;
          default -> 60; // cnn: each step is long, and compiles the same loops many times over
        };
    return Math.max(steps, jit);
  }

  /** DP (as --noise-prefetch says, or both ways for compare), then the non-private baseline. */
  private List<Mode> modes(DpSgdConfig dp, DpSgdConfig plain) {
    List<Mode> modes = new ArrayList<>();
    switch (noisePrefetch.trim().toLowerCase(Locale.ROOT)) {
      case "compare" -> {
        modes.add(new Mode("DP noise ahead", dp, true));
        modes.add(new Mode("DP noise at step", dp, false));
      }
      case "on" -> modes.add(new Mode("DP", dp, true));
      case "off" -> modes.add(new Mode("DP", dp, false));
      default ->
          throw new InvalidInputException(
              "--noise-prefetch must be on, off or compare; provided value: '"
                  + noisePrefetch
                  + "'");
    }
    // Without noise there is nothing to draw ahead.
    modes.add(new Mode("non-private", plain, false));
    return modes;
  }

  private double msPerStep(double examplesPerSecond) {
    return 1000.0 * batchSize / examplesPerSecond;
  }

  private String summary(String what, PairedRounds p, String measured, String baseline) {
    return String.format(
        Locale.ROOT,
        "%s: median ratio %.3f (min %.3f, max %.3f, %d rounds); median examples/s: %s %,.0f"
            + " (%.1f ms/step), %s %,.0f (%.1f ms/step)",
        what,
        p.ratioMedian(),
        p.ratioMin(),
        p.ratioMax(),
        p.rounds(),
        measured,
        p.measuredMedian(),
        msPerStep(p.measuredMedian()),
        baseline,
        p.baselineMedian(),
        msPerStep(p.baselineMedian()));
  }

  /** The keys another harness parses (dp_/nonprivate_examples_per_s: medians) and the rounds. */
  private void putPaired(ObjectNode json, PairedRounds p) {
    json.put("dp_examples_per_s", round1(p.measuredMedian()));
    json.put("nonprivate_examples_per_s", round1(p.baselineMedian()));
    json.put("ratio", round3(p.ratioMedian()));
    json.put("ratio_median", round3(p.ratioMedian()));
    json.put("ratio_min", round3(p.ratioMin()));
    json.put("ratio_max", round3(p.ratioMax()));
    json.put("dp_ms_per_step", round1(msPerStep(p.measuredMedian())));
    json.put("nonprivate_ms_per_step", round1(msPerStep(p.baselineMedian())));
    putArray(json, "dp_examples_per_s_rounds", p.measured(), 10);
    putArray(json, "nonprivate_examples_per_s_rounds", p.baseline(), 10);
    putArray(json, "ratio_rounds", p.ratios(), 1000);
  }

  private static void putArray(ObjectNode json, String key, double[] values, double scale) {
    ArrayNode a = json.putArray(key);
    for (double v : values) {
      a.add(Math.round(v * scale) / scale);
    }
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static TrainingResult fit(Mode mode, TrainingBlocks data, ModelSpec spec) {
    DpSgdTrainer trainer = new DpSgdTrainer(mode.config()).noiseAhead(mode.noiseAhead());
    return trainer.fit(
        data, trainer.plan(data), spec, spec.initialParams(mode.config().initSeed()));
  }
}
