package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.train.ConsoleProgress;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of DP training against the same steps without clipping and noise, in this engine, on
 * the same cached data, measured side by side in one run (rounds alternate DP and non-private so
 * that drift of a shared machine hits both alike).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Examples/s of DP-SGD vs the same training without privacy; last line is JSON.")
final class BenchCommand implements Callable<Integer> {
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

  @Option(names = "--rounds", description = "alternating rounds (default: 3)")
  int rounds = 3;

  @Option(
      names = "--config",
      description =
          "HOCON config for data, model and Spark settings (local, Hadoop path or in the job jar)")
  String config;

  @Option(names = "--set", description = "override a setting (repeatable)")
  List<String> sets = new ArrayList<>();

  @Override
  public Integer call() {
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
    String fmt = c.string("data.format");
    DpSgdConfig dp = TrainerSettings.from(c);
    DpSgdConfig plain = TrainerSettings.from(c).nonPrivate(true);
    DataPaths paths = DataPaths.of(c);
    try (TrainingBlocks raw =
            TrainingBlocks.prepare(
                DataLoader.load(
                    spark,
                    fmt,
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
      // Warm-up: JIT, ND4J native loading, Spark's first jobs.
      for (DpSgdConfig mode : new DpSgdConfig[] {dp, plain}) {
        fit(mode, data, spec);
      }
      double dpSeconds = 0;
      double plainSeconds = 0;
      for (int r = 0; r < rounds; r++) {
        costs.counting(true);
        dpSeconds += timed(dp, data, spec);
        costs.counting(false);
        plainSeconds += timed(plain, data, spec);
      }
      double[] initial = spec.initialParams(dp.initSeed());
      double emptyMs =
          costs.emptyStepMillis(
              data.rdd(), data.numExamples(), spec, initial, dp.aggregationDepth(), steps);
      double aggregated = costs.resultBytesPerStep((long) steps * rounds);
      System.out.println(
          ClusterCosts.describe(emptyMs, ClusterCosts.broadcastBytes(initial), aggregated));
      double examples = (double) batchSize * steps * rounds;
      double dpRate = examples / dpSeconds;
      double plainRate = examples / plainSeconds;
      System.out.printf(
          Locale.ROOT,
          "DP: %.1f ms/step, non-private: %.1f ms/step%n",
          1000 * dpSeconds / (steps * rounds),
          1000 * plainSeconds / (steps * rounds));
      ObjectNode json = OutputWriter.JSON.createObjectNode();
      json.put("model", model);
      json.put("batch_size", batchSize);
      json.put("steps", steps * rounds);
      json.put("dp_examples_per_s", Math.round(dpRate * 10) / 10.0);
      json.put("nonprivate_examples_per_s", Math.round(plainRate * 10) / 10.0);
      json.put("ratio", Math.round(dpRate / plainRate * 1000) / 1000.0);
      json.put("dp_ms_per_step", Math.round(10_000 * dpSeconds / (steps * rounds)) / 10.0);
      json.put(
          "nonprivate_ms_per_step", Math.round(10_000 * plainSeconds / (steps * rounds)) / 10.0);
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

  private static TrainingResult fit(DpSgdConfig config, TrainingBlocks data, ModelSpec spec) {
    DpSgdTrainer trainer = new DpSgdTrainer(config);
    return trainer.fit(data, trainer.plan(data), spec, spec.initialParams(config.initSeed()));
  }

  private static double timed(DpSgdConfig config, TrainingBlocks data, ModelSpec spec) {
    TrainingResult r = fit(config, data, spec);
    System.out.println((config.isNonPrivate() ? "non-private " : "DP ") + r.timings());
    return r.wallSeconds();
  }
}
