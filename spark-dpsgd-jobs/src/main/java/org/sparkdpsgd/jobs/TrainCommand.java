package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.data.FashionMnist;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.ledger.BudgetLedger;
import org.sparkdpsgd.train.ConsoleProgress;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.PrivacyReport;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a model with DP-SGD and write model, metrics and privacy report.")
final class TrainCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      description =
          "HOCON config: a local file, a Hadoop path, or one shipped in the job jar (e.g. conf/fashion-mnist-mlp.conf)")
  String config;

  @Option(
      names = "--train",
      description = "training data (file or directory); overrides data.train")
  String train;

  @Option(names = "--test", description = "test data; overrides data.test")
  String test;

  @Option(
      names = "--format",
      description =
          "parquet | csv | libsvm | fashion-mnist | text | fortunes; overrides data.format")
  String format;

  @Option(
      names = "--set",
      description = "override a setting, e.g. --set training.epochs=30 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--no-privacy",
      description = "train without clipping and noise: NO privacy guarantee (baseline)")
  boolean noPrivacy;

  @Option(
      names = "--output",
      required = true,
      description = "output directory (refused if it holds another run)")
  String output;

  @Option(
      names = "--overwrite",
      description = "replace the run an --output directory already holds")
  boolean overwrite;

  @Option(
      names = "--verbose",
      description =
          "show Spark's task and scheduler warnings on the console"
              + " (by default they go to spark-tasks.log in the output directory)")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    List<String> overrides = new ArrayList<>();
    if (format != null) {
      overrides.add("data.format=" + format);
    }
    if (train != null) {
      overrides.add("data.train=" + train);
    }
    if (test != null) {
      overrides.add("data.test=" + test);
    }
    if (noPrivacy) {
      overrides.add("training.no-privacy=true");
    }
    overrides.addAll(sets);
    JobConfig c = JobConfig.load(config, overrides);
    DpSgdConfig dp = TrainerSettings.from(c);
    int reportEvaluations = c.integer("report-evaluations");
    if (reportEvaluations < 0 || reportEvaluations > 1000) {
      throw new InvalidInputException(
          "report-evaluations must be in 0..1000 (from "
              + c.origin("report-evaluations")
              + "); provided value: "
              + reportEvaluations);
    }
    DataPaths paths = DataPaths.of(c);
    TextSettings.of(c); // a bad text setting fails here, before Spark starts
    requireAbsolutePathsInClusterMode(c, paths);
    // A missing ledger fails here, before Spark starts; the reservation is made before step 1.
    BudgetLedger ledger =
        dp.ledger() == null ? null : BudgetLedger.open(dp.ledger(), HadoopPaths.configuration());
    OutputWriter.OutputDir out = OutputWriter.prepare(output, overwrite);
    if (!verbose) {
      SparkLogRouting.toFile(OutputWriter.localLogFile(out, "spark-tasks.log"));
    }
    long wallStart = System.nanoTime();

    SparkSession spark = SparkSessions.start(c);
    String fmt = c.string("data.format");
    // Train AND test data are read and validated before the first step.
    try (JobData data = JobData.load(spark, c, paths, dp)) {
      TrainingBlocks trainData = data.train();
      TrainingBlocks testData = data.test();
      DpSgdTrainer trainer = new DpSgdTrainer(dp);
      if (ledger != null) {
        trainer.ledger(ledger.forRun(c.fingerprint()));
      }
      List<String> testingHooks = TestingHooks.apply(trainer, System.out);
      TrainingPlan plan = withSettingOrigin(c, () -> trainer.plan(trainData));
      printPlan(plan, trainData, dp);
      String sameData =
          paths.testIsTrainingData()
              ? "the test data is the training data: its accuracy is not an estimate on unseen data, and"
                  + " publishing it is not covered by ε"
              : null;
      if (sameData != null) {
        System.out.println("WARNING: " + sameData);
      }
      if (dp.leakTrainingLoss()) {
        System.out.println(
            "WARNING: training.debug-leak-training-loss = true: the training loss is shown and"
                + " stored WITHOUT noise; it is outside the privacy guarantee (report.json lists it under \"leaks\")");
      }
      trainer.listener(ConsoleProgress.of(System.out, c.number("progress-seconds"), plan));
      RunCurves curves = new RunCurves();
      if (testData != null) {
        trainer.snapshots(reportEvaluations, curves);
      }
      TrainingResult result = trainer.fit(trainData);
      Evaluation eval = null;
      List<RunCurves.Point> points = List.of();
      if (testData != null) {
        try (TrainableInput scoring = TrainableInput.of(trainer, testData, result.spec())) {
          eval = Evaluation.of(scoring.blocks(), scoring.spec(), result.params());
          points = curves.score(scoring.blocks(), scoring.spec());
        }
      }
      double wall = (System.nanoTime() - wallStart) / 1e9;
      OutputWriter.writeModel(out, result);
      OutputWriter.writeMetrics(out, result, dp.leakTrainingLoss());
      ObjectNode report = report(result, eval, wall, fmt);
      RunDisclosures.add(report, paths, dp.leakTrainingLoss(), sameData, dp.initFrom());
      OutputWriter.writeReport(out, TestingHooks.mark(report, testingHooks));
      List<String> warnings = new ArrayList<>(testingHooks);
      if (sameData != null) {
        warnings.add(sameData);
      }
      if (dp.leakTrainingLoss()) {
        warnings.add("the training loss in metrics.csv was stored WITHOUT noise: it is outside ε");
      }
      RunReportFiles.write(
          out,
          result,
          eval,
          points,
          warnings,
          ledger == null ? null : ledgerPosition(ledger),
          dp.initFrom());
      printSummary(result.privacy(), eval, wall, out);
    }
    return 0;
  }

  private static void printPlan(TrainingPlan p, TrainingBlocks data, DpSgdConfig dp) {
    System.out.printf(
        Locale.ROOT,
        "%d training examples, %d features, %d classes%n",
        data.numExamples(),
        data.dim(),
        data.numClasses());
    if (p.warning() != null) {
      System.out.println("WARNING: " + p.warning());
    }
    if (dp.initFrom() != null) {
      System.out.println(
          "starting from the weights in "
              + dp.initFrom()
              + " (model.init-from): that model's training data must be public; ε covers only this run's data");
    }
    if (p.nonPrivate()) {
      System.out.printf(
          Locale.ROOT,
          "NO PRIVACY: %d steps, expected batch %.0f, no clipping or noise%n",
          p.steps(),
          p.expectedBatchSize());
    } else {
      System.out.printf(
          Locale.ROOT,
          "plan: %d steps (%.2f epochs), expected batch %.0f (q = %.6f), clip C = %g, noise multiplier σ = %.4f, "
              + "ε = %.3f at δ = %.0e (%s)%n",
          p.steps(),
          p.epochs(),
          p.expectedBatchSize(),
          p.samplingRate(),
          p.l2NormClip(),
          p.noiseMultiplier(),
          p.plannedEpsilon(),
          p.delta(),
          dp.accountant().name());
    }
  }

  /**
   * The trainer names a knob by its param ("expectedBatchSize must be ..."): add the config key and
   * where it was set, so the user knows which line to change.
   */
  private static <T> T withSettingOrigin(JobConfig c, java.util.function.Supplier<T> check) {
    try {
      return check.get();
    } catch (org.sparkdpsgd.util.InvalidInputException e) {
      String first = e.getMessage().split(" ", 2)[0];
      org.sparkdpsgd.train.Knob k = org.sparkdpsgd.train.Knobs.byParam(first);
      if (k == null) {
        throw e;
      }
      throw new org.sparkdpsgd.util.InvalidInputException(
          e.getMessage() + " (setting '" + k.key() + "' from " + c.origin(k.key()) + ")", e);
    }
  }

  /** Data, output and checkpoints must not be relative when the driver runs on some worker. */
  private static void requireAbsolutePathsInClusterMode(JobConfig c, DataPaths paths) {
    HadoopPaths.requireAbsoluteInClusterMode("data.train", paths.train());
    if (paths.test() != null) {
      HadoopPaths.requireAbsoluteInClusterMode("data.test", paths.test());
    }
    if (c.isSet("privacy.ledger")) {
      HadoopPaths.requireAbsoluteInClusterMode("privacy.ledger", c.string("privacy.ledger"));
    }
    if (c.isSet("training.checkpoint-dir")) {
      HadoopPaths.requireAbsoluteInClusterMode(
          "training.checkpoint-dir", c.string("training.checkpoint-dir"));
    }
  }

  private static void printSummary(
      PrivacyReport privacy, Evaluation eval, double wall, OutputWriter.OutputDir out) {
    if (eval != null && eval.languageModel()) {
      System.out.printf(
          Locale.ROOT,
          "test perplexity %.3f per character, %.4f bits per character (%,d characters in %,d"
              + " windows)%n",
          eval.perplexity(),
          eval.bitsPerCharacter(),
          eval.targets(),
          eval.count());
    } else if (eval != null) {
      System.out.printf(
          Locale.ROOT,
          "test accuracy %.2f%% (%d examples), test loss %.4f%n",
          100 * eval.accuracy(),
          eval.count(),
          eval.meanLoss());
    }
    System.out.println(privacy.summary());
    System.out.printf(
        Locale.ROOT,
        "done in %.1f s; model, metrics.csv, report.json, report.html and plots in %s%n",
        wall,
        out);
  }

  static ObjectNode report(TrainingResult r, Evaluation eval, double wall, String format) {
    PrivacyReport p = r.privacy();
    ObjectNode n = OutputWriter.JSON.createObjectNode();
    n.put(
        "privacy_guarantee",
        p.nonPrivate() ? "NONE: trained without clipping and noise" : p.summary());
    // A --no-privacy baseline must not pass for a private model wherever the report goes.
    n.put("non_private", p.nonPrivate());
    putNumber(n, "epsilon", p.epsilon());
    n.put("delta", p.delta());
    n.put("accountant", p.accountant());
    n.put("noise_multiplier", p.noiseMultiplier());
    n.put("l2_norm_clip", p.l2NormClip());
    n.put("sampling_rate", p.samplingRate());
    n.put("expected_batch_size", p.expectedBatchSize());
    // 0 = per-example clipping; M > 0: sensitivity 2C, epsilon is for noise_multiplier / 2
    n.put("num_microbatches", p.numMicrobatches());
    if (p.normalisationNoiseMultiplier() > 0) {
      // the feature statistics' one Gaussian release, composed into epsilon with the steps
      n.put("normalisation_noise_multiplier", p.normalisationNoiseMultiplier());
    }
    n.put("steps", p.steps());
    n.put("epochs", p.epochs());
    n.put("train_examples", p.trainExamples());
    n.put("sampling", "poisson");
    n.put("neighbouring", p.neighbouring());
    if (p.users() > 0) {
      n.put("train_users", p.users());
    }
    n.put("secure_noise", p.secureNoise());
    n.put("model", r.spec().describe());
    n.put("data_format", format);
    if (p.users() > 0) {
      n.put(
          "privacy_unit",
          p.privacyUnit()
              + ": each step samples users; a user's mean gradient over their rows is clipped to C"
              + " as a whole, so ε covers all of one user's rows at once");
    } else if (r.spec().isSequence()) {
      n.put(
          "privacy_unit",
          "one window of "
              + r.spec().window()
              + " characters and the character after it (example-level): a text cut into k"
              + " windows is protected as k examples");
    }
    if (eval != null && eval.languageModel()) {
      n.put("test_perplexity", eval.perplexity());
      n.put("test_bits_per_character", eval.bitsPerCharacter());
      n.put("test_loss", eval.meanLoss());
      n.put("test_characters", eval.targets());
      n.put("test_examples", eval.count());
      n.putNull("test_accuracy");
    } else if (eval != null) {
      n.put("test_accuracy", eval.accuracy());
      n.put("test_loss", eval.meanLoss());
      n.put("test_examples", eval.count());
      ArrayNode perClass = n.putArray("per_class_accuracy");
      for (double a : eval.perClassAccuracy()) {
        perClass.add(a);
      }
      n.putPOJO("confusion_matrix", eval.confusionMatrix());
      if (r.spec().numClasses() == FashionMnist.CLASS_NAMES.length && format.contains("mnist")) {
        n.putPOJO("class_names", FashionMnist.CLASS_NAMES);
      }
    } else {
      n.putNull("test_accuracy");
      n.putNull("test_loss");
    }
    n.put("training_seconds", r.wallSeconds());
    n.put("wall_seconds", wall);
    return n;
  }

  private static void putNumber(ObjectNode n, String key, double v) {
    if (Double.isInfinite(v)) {
      n.put(key, "Infinity");
    } else {
      n.put(key, v);
    }
  }

  /** After the run: the ledger's total, budget and what is left, for report.html. */
  private static String ledgerPosition(BudgetLedger ledger) {
    org.sparkdpsgd.ledger.LedgerState s = ledger.read();
    double spent = s.spentEpsilon();
    return String.format(
        Locale.ROOT,
        "%s holds %d runs over the same data; composed (%s), they have spent ε = %.4g of the"
            + " budget ε = %s at δ = %s, leaving %.4g.",
        ledger.location(),
        s.runs().size(),
        ledger.budget().accountantName(),
        spent,
        ledger.budget().epsilon(),
        ledger.budget().delta(),
        ledger.budget().epsilon() - spent);
  }
}
