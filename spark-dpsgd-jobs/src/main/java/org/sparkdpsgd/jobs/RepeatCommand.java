package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.data.RowSubset;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.FeatureLayout;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.train.ConsoleProgress;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains one recipe N times with independent initialisations, sampling keys and noise, and reports
 * the spread of its test (or validation) score: one run is not a result, and picking the best of
 * several seeds inflates it (Bao and Bindschaedler 2024). The data and any fixed leading layers (a
 * scattering network) are computed once and shared by the runs.
 */
@Command(
    name = "repeat",
    mixinStandardHelpOptions = true,
    description =
        "Train the same recipe with N seeds and report mean ± sd, min and max of the test (or"
            + " validation) accuracy.")
final class RepeatCommand implements Callable<Integer> {
  /**
   * The validation split's key: public and fixed, so the split depends on no row's contents and is
   * the same in every run and on every machine.
   */
  static final long VALIDATION_SEED = 0x76616c6964L;

  @Option(names = "--config", description = "HOCON config, as for dpsgd train")
  String config;

  @Option(
      names = "--seeds",
      defaultValue = "5",
      description = "number of runs (default ${DEFAULT-VALUE})")
  int seeds;

  @Option(
      names = "--validation",
      defaultValue = "0",
      description =
          "hold out this fraction of the TRAINING rows (a fixed split) and score the runs on it"
              + " instead of the test set: for choosing a recipe without looking at the test set"
              + " (default ${DEFAULT-VALUE}: score on the test set)")
  double validation;

  @Option(
      names = "--set",
      description = "override a setting, e.g. --set training.epochs=30 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--grid",
      description =
          "try each of these values of a training.* or privacy.* setting, e.g. --grid"
              + " training.learning-rate=8,16,32 (repeatable: every combination is a variant, each"
              + " trained --seeds times on the same data and fixed features)")
  List<String> grid = new ArrayList<>();

  @Option(
      names = "--no-privacy",
      description = "train without clipping and noise: NO privacy guarantee (baseline)")
  boolean noPrivacy;

  @Option(names = "--output", required = true, description = "output directory")
  String output;

  @Option(names = "--overwrite", description = "replace what an --output directory holds")
  boolean overwrite;

  @Option(
      names = "--verbose",
      description = "show Spark's task and scheduler warnings on the console")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (seeds < 1 || seeds > 100) {
      throw new InvalidInputException("--seeds must be in 1..100; provided value: " + seeds);
    }
    if (!(validation >= 0 && validation < 1)) {
      throw new InvalidInputException(
          "--validation must be a fraction in [0, 1); provided value: " + validation);
    }
    List<String> overrides = new ArrayList<>();
    if (noPrivacy) {
      overrides.add("training.no-privacy=true");
    }
    overrides.addAll(sets);
    JobConfig c = JobConfig.load(config, overrides);
    for (String key : List.of("privacy.ledger", "training.checkpoint-dir")) {
      if (c.isSet(key)) {
        throw new InvalidInputException(
            key
                + " is set (from "
                + c.origin(key)
                + "): dpsgd repeat measures a recipe and keeps no checkpoints or ledger; unset it,"
                + " and train the model you keep with dpsgd train");
      }
    }
    List<Variant> variants = new ArrayList<>();
    for (List<String> settings : RepeatGrid.combinations(grid)) {
      List<String> all = new ArrayList<>(overrides);
      all.addAll(settings);
      JobConfig vc = settings.isEmpty() ? c : JobConfig.load(config, all);
      variants.add(new Variant(variants.size() + 1, settings, TrainerSettings.from(vc)));
    }
    DpSgdConfig dp = variants.get(0).dp();
    DataPaths paths = DataPaths.of(c);
    TextSettings.of(c);
    if (validation == 0 && paths.test() == null) {
      throw new InvalidInputException(
          "no test data to score the runs on: set data.test, or hold out part of the training"
              + " data with --validation FRACTION");
    }
    OutputWriter.OutputDir out = OutputWriter.prepare(output, overwrite);
    if (!verbose) {
      SparkLogRouting.toFile(OutputWriter.localLogFile(out, "spark-tasks.log"));
    }
    long wallStart = System.nanoTime();
    SparkSession spark = SparkSessions.start(c);
    try (JobData data = JobData.load(spark, c, paths, dp, validation == 0);
        Sides sides = Sides.of(data, validation)) {
      DpSgdTrainer probe = new DpSgdTrainer(dp);
      ModelSpec spec = dp.modelSpec(sides.train().dim(), sides.train().numClasses());
      // Every variant's plan (and its calibrated σ) before the first step: a bad one fails now.
      List<TrainingPlan> plans = new ArrayList<>();
      for (Variant v : variants) {
        plans.add(new DpSgdTrainer(v.dp()).plan(sides.train()));
      }
      // model.init-from (not a grid key: the same for every variant), read once and checked before
      // any run; it holds the whole network, whose fixed layers have no parameters
      double[] savedStart =
          dp.initFrom() == null
              ? null
              : dp.initialParams(spec, dp.initSeed(), spark.sparkContext().hadoopConfiguration());
      System.out.println(
          sides.train().numExamples()
              + " training examples; scoring on "
              + sides.scoreName()
              + " ("
              + sides.score().numExamples()
              + " examples)");
      ConsoleProgress progress =
          ConsoleProgress.of(System.out, c.number("progress-seconds"), plans.get(0));
      probe.listener(progress);
      try (TrainableInput train = TrainableInput.of(probe, sides.train(), spec);
          TrainableInput score = TrainableInput.of(probe, sides.score(), spec)) {
        List<ObjectNode> reports = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (Variant v : variants) {
          TrainingPlan plan = plans.get(v.index() - 1);
          if (!v.settings().isEmpty()) {
            System.out.printf(
                Locale.ROOT, "variant %d of %d: %s%n", v.index(), variants.size(), v.name());
          }
          List<Run> runs = new ArrayList<>();
          long firstSeed = v.dp().initSeed();
          for (int i = 0; i < seeds; i++) {
            long seed = firstSeed + i;
            System.out.printf(Locale.ROOT, "run %d of %d (init seed %d)%n", i + 1, seeds, seed);
            v.dp().initSeed(seed);
            // The trainer sees only the trainable part; feature normalisation (if on) needs the
            // channel layout of the whole model's fixed features. Each run releases (and is
            // charged for) its own statistics.
            DpSgdTrainer trainer =
                new DpSgdTrainer(v.dp()).listener(progress).featureLayout(FeatureLayout.of(spec));
            double[] initial =
                savedStart == null ? train.spec().initialParams(seed) : savedStart.clone();
            TrainingResult r = trainer.fit(train.blocks(), plan, train.spec(), initial);
            Evaluation eval = Evaluation.of(score.blocks(), score.spec(), r.params());
            Run run = new Run(i + 1, seed, r.withSpec(spec), eval);
            runs.add(run);
            System.out.println("run " + run.index() + ": " + run.describe());
            writeRunReport(out, v, run, c.string("data.format"));
          }
          Summary s = Summary.of(runs.stream().mapToDouble(Run::score).toArray());
          ObjectNode report = report(runs, s, sides, plan);
          if (!v.settings().isEmpty()) {
            report.putPOJO("settings", v.settings());
          }
          reports.add(report);
          lines.add(summaryLine(runs, s, sides, v));
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        ObjectNode all = reports.get(0);
        if (variants.size() > 1 || !variants.get(0).settings().isEmpty()) {
          all = OutputWriter.JSON.createObjectNode();
          all.put("scored_on", sides.scoreName());
          all.put("runs_per_variant", seeds);
          all.putArray("variants").addAll(reports);
        }
        all.put("wall_seconds", wall);
        RunDisclosures.putInitFrom(all, dp.initFrom());
        try (OutputStream o = out.fs().create(out.file("repeat.json"), true)) {
          OutputWriter.JSON.writeValue(o, all);
        }
        lines.forEach(System.out::println);
        TrainingPlan plan = plans.get(0);
        if (plan.nonPrivate()) {
          System.out.println("NO PRIVACY: these runs were trained without clipping and noise");
        } else {
          System.out.println(
              "every run is a separate release of the same data: together, the "
                  + variants.size() * seeds
                  + " runs spend up to "
                  + variants.size() * seeds
                  + " times one run's ε");
        }
        System.out.printf(
            Locale.ROOT, "done in %.1f s; repeat.json and reports per run in %s%n", wall, out);
      }
    }
    return 0;
  }

  /** One combination of the grid's settings (none without a grid), with its trainer settings. */
  private record Variant(int index, List<String> settings, DpSgdConfig dp) {
    String name() {
      return String.join(" ", settings);
    }

    String dir() {
      return settings.isEmpty() ? "" : "variant-" + index + "/";
    }
  }

  private static void writeRunReport(OutputWriter.OutputDir out, Variant v, Run run, String format)
      throws IOException {
    OutputWriter.OutputDir dir =
        new OutputWriter.OutputDir(out.fs(), new Path(out.dir(), v.dir() + "run-" + run.index()));
    out.fs().mkdirs(dir.dir());
    ObjectNode n =
        TrainCommand.report(run.result(), run.eval(), run.result().wallSeconds(), format);
    n.put("init_seed", run.seed());
    RunDisclosures.putInitFrom(n, v.dp().initFrom());
    OutputWriter.writeReport(dir, n);
  }

  private static ObjectNode report(List<Run> runs, Summary s, Sides sides, TrainingPlan plan) {
    ObjectNode n = OutputWriter.JSON.createObjectNode();
    boolean lm = runs.get(0).eval().languageModel();
    n.put("metric", sides.scoreKey() + (lm ? "_perplexity" : "_accuracy"));
    n.put("scored_on", sides.scoreName());
    n.put("runs_count", runs.size());
    n.put("mean", s.mean());
    n.put("sd", s.sd());
    n.put("min", s.min());
    n.put("max", s.max());
    TrainingResult first = runs.get(0).result();
    n.put("model", first.spec().describe());
    n.put(
        "privacy_guarantee",
        plan.nonPrivate() ? "NONE: trained without clipping and noise" : first.privacy().summary());
    n.put("non_private", plan.nonPrivate());
    if (!plan.nonPrivate()) {
      n.put("epsilon_per_run", first.privacy().epsilon());
      n.put("delta", first.privacy().delta());
      n.put("noise_multiplier", first.privacy().noiseMultiplier());
      n.put(
          "composition",
          "each run is a separate release of the same training data: releasing all "
              + runs.size()
              + " models spends up to "
              + runs.size()
              + " × ε");
    }
    n.put("steps", plan.steps());
    n.put("expected_batch_size", plan.expectedBatchSize());
    ArrayNode list = n.putArray("runs");
    for (Run r : runs) {
      ObjectNode o = list.addObject();
      o.put("run", r.index());
      o.put("init_seed", r.seed());
      o.put("score", r.score());
      o.put("loss", r.eval().meanLoss());
      o.put("epsilon", r.result().privacy().epsilon());
      o.put("training_seconds", r.result().wallSeconds());
    }
    return n;
  }

  private static String summaryLine(List<Run> runs, Summary s, Sides sides, Variant v) {
    boolean lm = runs.get(0).eval().languageModel();
    double k = lm ? 1 : 100;
    String unit = lm ? "" : "%";
    return String.format(
        Locale.ROOT,
        "%s%s %s over %d runs: mean %.2f%s ± %.2f (sd), min %.2f%s, max %.2f%s; %s",
        v.settings().isEmpty() ? "" : v.name() + ": ",
        sides.scoreName(),
        lm ? "perplexity" : "accuracy",
        runs.size(),
        k * s.mean(),
        unit,
        k * s.sd(),
        k * s.min(),
        unit,
        k * s.max(),
        unit,
        runs.get(0).result().privacy().nonPrivate()
            ? "NO privacy"
            : String.format(
                Locale.ROOT,
                "ε = %.3f at δ = %.0e, σ = %.4f, %d steps",
                runs.get(0).result().privacy().epsilon(),
                runs.get(0).result().privacy().delta(),
                runs.get(0).result().privacy().noiseMultiplier(),
                runs.get(0).result().privacy().steps()));
  }

  /** One run: its index, seed, result and score. */
  private record Run(int index, long seed, TrainingResult result, Evaluation eval) {
    double score() {
      return eval.languageModel() ? eval.perplexity() : eval.accuracy();
    }

    String describe() {
      String score =
          eval.languageModel()
              ? String.format(Locale.ROOT, "perplexity %.3f", eval.perplexity())
              : String.format(Locale.ROOT, "accuracy %.2f%%", 100 * eval.accuracy());
      return String.format(
          Locale.ROOT,
          "%s, ε = %.3f, %.1f s",
          score,
          result.privacy().epsilon(),
          result.wallSeconds());
    }
  }

  /** Mean, sample standard deviation (n − 1; 0 for one run), min and max. */
  record Summary(double mean, double sd, double min, double max) {
    static Summary of(double[] x) {
      org.apache.commons.math3.stat.descriptive.DescriptiveStatistics d =
          new org.apache.commons.math3.stat.descriptive.DescriptiveStatistics(x);
      return new Summary(
          d.getMean(), x.length > 1 ? d.getStandardDeviation() : 0, d.getMin(), d.getMax());
    }
  }

  /**
   * The rows the runs train on and the rows that score them: the training and test data, or the
   * training data split into a kept part and a fixed validation fraction.
   */
  private record Sides(TrainingBlocks train, TrainingBlocks score, String scoreName, boolean owned)
      implements AutoCloseable {
    static Sides of(JobData data, double validation) {
      if (validation == 0) {
        return new Sides(data.train(), data.test(), "test", false);
      }
      RowSubset held = RowSubset.fraction(VALIDATION_SEED, validation);
      TrainingBlocks score = data.train().subset(held);
      try {
        return new Sides(data.train().subset(held.complement()), score, "validation", true);
      } catch (RuntimeException e) {
        score.close();
        throw e;
      }
    }

    String scoreKey() {
      return scoreName;
    }

    @Override
    public void close() {
      if (owned) {
        train.close();
        score.close();
      }
    }
  }
}
