package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.data.SyntheticBlocks;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.noise.NoisePrefetch;
import org.sparkdpsgd.train.ConsoleProgress;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of DP training against the same steps without clipping and noise, in this engine, on
 * the same cached data, measured side by side in one run: every round runs each mode once, one
 * after the other, so that drift of a shared machine hits them alike, and the summary is the median
 * of the per-round ratios ({@link PairedRounds}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Examples/s of DP-SGD vs the same training without privacy; last line is JSON.")
final class BenchCommand implements Callable<Integer> {
  /** Seed of --synthetic data: the same rows in every run. */
  static final long SYNTHETIC_SEED = 1;

  /** Time spent once on the fixed layers (0 if the model has none). */
  private double fixedSeconds = 0;

  @Option(
      names = "--model",
      description =
          "mlp | logreg | cnn (default: mlp; cnn = model.layers of the defaults or --config)")
  String model = "mlp";

  @Option(names = "--batch-size", description = "expected batch size (default: 1024)")
  long batchSize = 1024;

  @Option(names = "--steps", description = "measured steps per round and mode (default: 30)")
  int steps = 30;

  @Option(
      names = "--rounds",
      description = "rounds, each running every mode once; the median is over them (default: 5)")
  int rounds = 5;

  @Option(
      names = "--synthetic",
      paramLabel = "ROWSxFEATURES",
      description =
          "train on data generated on the executors (e.g. 6000000x100): standard normal features,"
              + " labels from a fixed logistic teacher; no file is read")
  String synthetic;

  @Option(names = "--synthetic-classes", description = "classes of --synthetic data (default: 10)")
  int syntheticClasses = 10;

  @Option(
      names = "--noise-prefetch",
      description =
          "auto | on | off: draw the next step's noise on a background thread (auto: unless"
              + " local[N] leaves the driver no spare core); compare: each round runs DP both ways")
  String noisePrefetch = "auto";

  @Option(
      names = "--config",
      description =
          "HOCON config for data, model and Spark settings (local, Hadoop path or in the job jar)")
  String config;

  @Option(names = "--set", description = "override a setting (repeatable)")
  List<String> sets = new ArrayList<>();

  /** One way of training that every round runs. */
  private record Mode(String name, DpSgdConfig config, NoisePrefetch prefetch) {}

  @Override
  public Integer call() {
    checkOptions();
    SyntheticSize size = synthetic == null ? null : SyntheticSize.parse(synthetic, "--synthetic");
    List<String> overrides = new ArrayList<>();
    overrides.add("model.type=" + model);
    overrides.add("training.expected-batch-size=" + batchSize);
    overrides.add("training.epochs=null");
    overrides.add("training.steps=" + steps);
    // A fixed σ: calibration is not what is measured here.
    overrides.add("privacy.target-epsilon=null");
    overrides.add("privacy.noise-multiplier=1.0");
    overrides.addAll(sets);
    JobConfig c = JobConfig.load(config, overrides);
    SparkSession spark = SparkSessions.start(c);
    DpSgdConfig dp = TrainerSettings.from(c);
    List<Mode> modes = modes(dp, TrainerSettings.from(c).nonPrivate(true));
    try (TrainingBlocks raw = size == null ? fromFiles(spark, c, dp) : generated(spark, size, dp);
        TrainingBlocks data = fixedFeatures(raw, dp.modelSpec(raw.dim(), raw.numClasses()))) {
      ModelSpec full = dp.modelSpec(raw.dim(), raw.numClasses());
      ModelSpec spec = full.trainable();
      System.out.println("bench: " + full.describe() + " (" + spec.numParams() + " parameters)");
      System.out.printf(
          Locale.ROOT,
          "bench: %s, expected batch %d, %d examples, %d rounds x %d steps per mode%n",
          model,
          batchSize,
          data.numExamples(),
          rounds,
          steps);
      ClusterCosts costs = new ClusterCosts(spark);
      ClusterCosts.Cached cached = costs.cached(data.rdd(), data.numExamples());
      System.out.println(cached.describe());
      // Warm-up: JIT, ND4J native loading, Spark's first jobs.
      for (Mode m : modes) {
        fit(m, data, spec);
      }
      double[][] rates = new double[modes.size()][rounds];
      for (int r = 0; r < rounds; r++) {
        for (int m = 0; m < modes.size(); m++) {
          costs.counting(m == 0);
          TrainingResult res = fit(modes.get(m), data, spec);
          rates[m][r] = batchSize * steps / res.wallSeconds();
          System.out.printf(
              Locale.ROOT,
              "round %d/%d %s: %,.0f examples/s, %.1f ms/step (%s)%n",
              r + 1,
              rounds,
              modes.get(m).name(),
              rates[m][r],
              msPerStep(rates[m][r]),
              res.timings());
        }
        costs.counting(false);
        System.out.printf(
            Locale.ROOT,
            "round %d/%d DP/non-private: %.3f%n",
            r + 1,
            rounds,
            rates[0][r] / rates[modes.size() - 1][r]);
      }
      PairedRounds paired = new PairedRounds(rates[0], rates[modes.size() - 1]);
      System.out.println(summary("DP/non-private", paired, "DP", "non-private"));
      double[] initial = spec.initialParams(dp.initSeed());
      double emptyMs =
          costs.emptyStepMillis(
              data.rdd(), data.numExamples(), spec, initial, dp.aggregationDepth(), steps);
      double aggregated = costs.resultBytesPerStep((long) steps * rounds);
      System.out.println(
          ClusterCosts.describe(emptyMs, ClusterCosts.broadcastBytes(initial), aggregated));
      ObjectNode json = OutputWriter.JSON.createObjectNode();
      json.put("model", model);
      json.put("batch_size", batchSize);
      json.put("examples", data.numExamples());
      json.put("features", raw.dim());
      json.put("data", size == null ? "files" : "synthetic " + size);
      json.put("rounds", rounds);
      json.put("steps_per_round", steps);
      json.put("steps", steps * rounds);
      json.put("noise_prefetch", noisePrefetch.trim().toLowerCase(Locale.ROOT));
      if (modes.size() == 2) {
        json.put(
            "noise_drawn_ahead",
            modes
                .get(0)
                .prefetch()
                .drawAhead(
                    spark.sparkContext().master(), Runtime.getRuntime().availableProcessors()));
      }
      putPaired(json, paired);
      if (modes.size() == 3) {
        PairedRounds aheadVsAtStep = new PairedRounds(rates[0], rates[1]);
        System.out.println(
            summary(
                "noise ahead/noise at step",
                aheadVsAtStep,
                modes.get(0).name(),
                modes.get(1).name()));
        json.put("dp_noise_at_step_examples_per_s", round1(PairedRounds.median(rates[1])));
        putArray(json, "dp_noise_at_step_examples_per_s_rounds", rates[1], 10);
        json.put("noise_ahead_ratio_median", round3(aheadVsAtStep.ratioMedian()));
        json.put("noise_ahead_ratio_min", round3(aheadVsAtStep.ratioMin()));
        json.put("noise_ahead_ratio_max", round3(aheadVsAtStep.ratioMax()));
        putArray(json, "noise_ahead_ratio_rounds", aheadVsAtStep.ratios(), 1000);
      }
      cached.put(json);
      costs.put(
          json,
          data.rdd().getNumPartitions(),
          emptyMs,
          initial,
          aggregated,
          costs.executorOmpThreads(data.rdd()));
      if (fixedSeconds > 0) {
        json.put("fixed_layers_seconds", Math.round(fixedSeconds * 10) / 10.0);
      }
      System.out.println(json.toString());
    }
    return 0;
  }

  private void checkOptions() {
    if (steps < 1) {
      throw new org.sparkdpsgd.util.InvalidInputException(
          "--steps must be >= 1; provided value: " + steps);
    }
    if (rounds < 1) {
      throw new org.sparkdpsgd.util.InvalidInputException(
          "--rounds must be >= 1; provided value: " + rounds);
    }
    if (syntheticClasses < 2) {
      throw new org.sparkdpsgd.util.InvalidInputException(
          "--synthetic-classes must be >= 2; provided value: " + syntheticClasses);
    }
  }

  /** DP (as --noise-prefetch says, or both ways for compare), then the non-private baseline. */
  private List<Mode> modes(DpSgdConfig dp, DpSgdConfig plain) {
    List<Mode> modes = new ArrayList<>();
    if (noisePrefetch.trim().equalsIgnoreCase("compare")) {
      modes.add(new Mode("DP noise ahead", dp, NoisePrefetch.ON));
      modes.add(new Mode("DP noise at step", dp, NoisePrefetch.OFF));
    } else {
      NoisePrefetch p = NoisePrefetch.parse(noisePrefetch, "--noise-prefetch (or compare)");
      modes.add(new Mode("DP", dp, p));
    }
    modes.add(new Mode("non-private", plain, NoisePrefetch.OFF));
    return modes;
  }

  private double msPerStep(double examplesPerSecond) {
    return 1000.0 * batchSize / examplesPerSecond;
  }

  private String summary(String what, PairedRounds p, String first, String second) {
    return String.format(
        Locale.ROOT,
        "%s: median ratio %.3f (min %.3f, max %.3f, %d rounds); median examples/s: %s %,.0f"
            + " (%.1f ms/step), %s %,.0f (%.1f ms/step)",
        what,
        p.ratioMedian(),
        p.ratioMin(),
        p.ratioMax(),
        p.rounds(),
        first,
        p.dpMedian(),
        msPerStep(p.dpMedian()),
        second,
        p.plainMedian(),
        msPerStep(p.plainMedian()));
  }

  /** The keys another harness parses (dp_/nonprivate_examples_per_s: medians) and the rounds. */
  private void putPaired(ObjectNode json, PairedRounds p) {
    json.put("dp_examples_per_s", round1(p.dpMedian()));
    json.put("nonprivate_examples_per_s", round1(p.plainMedian()));
    json.put("ratio", round3(p.ratioMedian()));
    json.put("ratio_median", round3(p.ratioMedian()));
    json.put("ratio_min", round3(p.ratioMin()));
    json.put("ratio_max", round3(p.ratioMax()));
    json.put("dp_ms_per_step", round1(msPerStep(p.dpMedian())));
    json.put("nonprivate_ms_per_step", round1(msPerStep(p.plainMedian())));
    putArray(json, "dp_examples_per_s_rounds", p.dpPerSecond(), 10);
    putArray(json, "nonprivate_examples_per_s_rounds", p.plainPerSecond(), 10);
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

  private static TrainingBlocks fromFiles(SparkSession spark, JobConfig c, DpSgdConfig dp) {
    DataPaths paths = DataPaths.of(c);
    return TrainingBlocks.prepare(
        DataLoader.load(
            spark,
            c.string("data.format"),
            paths.train(),
            true,
            c.string("data.features-col"),
            c.string("data.label-col"),
            c.integer("data.limit"),
            c.integer("data.num-features")),
        c.string("data.features-col"),
        c.string("data.label-col"),
        c.integer("data.num-features"),
        paths.numClasses(c),
        dp.blockRows(),
        "training data " + paths.train(),
        c.number("data.feature-scale"),
        c.number("data.feature-shift"));
  }

  private TrainingBlocks generated(SparkSession spark, SyntheticSize size, DpSgdConfig dp) {
    long t0 = System.nanoTime();
    TrainingBlocks blocks =
        SyntheticBlocks.generate(
            JavaSparkContext.fromSparkContext(spark.sparkContext()),
            size.rows(),
            size.features(),
            syntheticClasses,
            dp.blockRows(),
            SYNTHETIC_SEED);
    System.out.printf(
        Locale.ROOT,
        "bench: synthetic data %s, %d classes from a logistic teacher (its accuracy, the best"
            + " possible: %.3f), generated and cached in %.1f s%n",
        size,
        syntheticClasses,
        SyntheticBlocks.teacherAccuracy(
            SYNTHETIC_SEED,
            size.features(),
            syntheticClasses,
            (int) Math.min(4096, Math.min(size.rows(), dp.blockRows()))),
        (System.nanoTime() - t0) / 1e9);
    return blocks;
  }

  /**
   * Fixed leading layers (a scattering network) are computed once per example whatever the mode, so
   * they are computed once here, outside the measured steps, and timed on their own.
   */
  private TrainingBlocks fixedFeatures(TrainingBlocks raw, ModelSpec spec) {
    if (spec.fixedLayers() == 0) {
      return raw;
    }
    long t0 = System.nanoTime();
    TrainingBlocks features =
        new DpSgdTrainer(new DpSgdConfig())
            .listener(new ConsoleProgress(System.out, 0, 0))
            .fixedFeatures(raw, spec);
    fixedSeconds = (System.nanoTime() - t0) / 1e9;
    return features;
  }

  private static TrainingResult fit(Mode mode, TrainingBlocks data, ModelSpec spec) {
    DpSgdTrainer trainer = new DpSgdTrainer(mode.config()).noisePrefetch(mode.prefetch());
    return trainer.fit(
        data, trainer.plan(data), spec, spec.initialParams(mode.config().initSeed()));
  }
}
