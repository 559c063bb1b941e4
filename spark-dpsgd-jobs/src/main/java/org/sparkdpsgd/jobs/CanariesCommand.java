package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.audit.CanaryFormat;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.audit.ExposurePlot;
import org.sparkdpsgd.audit.ExposureReport;
import org.sparkdpsgd.audit.ExposureReportJson;
import org.sparkdpsgd.audit.ExposureTable;
import org.sparkdpsgd.canaries.CanaryWindows;
import org.sparkdpsgd.canaries.Disagreements;
import org.sparkdpsgd.canaries.SecretSharer;
import org.sparkdpsgd.canaries.SecretSharerListener;
import org.sparkdpsgd.canaries.SecretSharerResult;
import org.sparkdpsgd.data.TrainingBlocks;
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

/**
 * The Secret Sharer experiment (Carlini et al. 2019) on a text corpus: canaries "my pin is ddddd"
 * inserted 1, 4, 16 and 64 times into the training records, the config's DP model and the same
 * recipe without privacy trained on them, and each canary's exposure under both models. The
 * experiment is {@link SecretSharer}; this command reads the config and writes the outputs.
 */
@Command(
    name = "canaries",
    mixinStandardHelpOptions = true,
    description =
        "Insert canaries into a text corpus, train the DP model and the same recipe without"
            + " privacy, and measure the canaries' exposure (writes canaries.json, canaries.png,"
            + " disagreements.txt)")
final class CanariesCommand implements Callable<Integer> {
  static final int LISTED = 20;

  @Option(names = "--config", required = true, description = "HOCON config of a charlm run")
  String config;

  @Option(
      names = "--set",
      description = "override a setting, e.g. --set training.epochs=30 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--non-private-set",
      description =
          "override a training.* setting for the non-private model only, after --set, e.g."
              + " --non-private-set training.learning-rate=0.01 (repeatable): each model at its"
              + " own best recipe")
  List<String> nonPrivateSets = new ArrayList<>();

  @Option(names = "--output", required = true, description = "output directory")
  String output;

  @Option(names = "--overwrite", description = "replace what the output directory holds")
  boolean overwrite;

  @Option(
      names = "--candidates",
      description = "candidates sampled from the secret space per model (default ${DEFAULT-VALUE})")
  int candidates = 10_000;

  @Option(
      names = "--canaries-per-count",
      description =
          "canaries (distinct secrets) per insertion count (default ${DEFAULT-VALUE}); a row's mean"
              + " exposure is a mean over these, so more of them keep one secret that the model finds"
              + " likely from the start (a year, a round number) from moving the row")
  int canariesPerCount = CanaryPlan.STANDARD_CANARIES_PER_COUNT;

  @Option(
      names = "--seed",
      description =
          "seed of the canaries' secrets and the candidate sample (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(
      names = "--sample-windows",
      description = "training windows scored for disagreements.txt (default ${DEFAULT-VALUE})")
  int sampleWindows = 20_000;

  @Option(names = "--verbose", description = "show Spark's task warnings on the console")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (canariesPerCount < 1) {
      throw new InvalidInputException(
          "--canaries-per-count must be >= 1; provided value: " + canariesPerCount);
    }
    for (String set : nonPrivateSets) {
      // The two models share the corpus, the canaries and the test set: only how the
      // non-private one trains may differ.
      if (!set.strip().startsWith("training.")) {
        throw new InvalidInputException(
            "--non-private-set takes training.* settings only; provided value: " + set);
      }
    }
    JobConfig c = JobConfig.load(config, sets);
    List<String> npSets = new ArrayList<>(sets);
    npSets.addAll(nonPrivateSets);
    npSets.add("training.no-privacy=true");
    JobConfig cNp = JobConfig.load(config, npSets);
    DpSgdConfig dp = TrainerSettings.from(c);
    DpSgdConfig np = TrainerSettings.from(cNp);
    if (dp.checkpointDir() != null) {
      // Two runs, two checkpoint directories: one would refuse the other's checkpoint.
      String dir = dp.checkpointDir();
      dp.checkpoints(new Path(dir, "dp").toString(), dp.checkpointEvery());
      np.checkpoints(new Path(dir, "non-private").toString(), np.checkpointEvery());
    }
    DataPaths paths = DataPaths.of(c);
    TextSettings text = TextSettings.of(c);
    String fmt = c.string("data.format");
    if (!fmt.equals("text") && !fmt.equals("fortunes")) {
      throw new InvalidInputException(
          "canaries needs data.format = text or fortunes; provided value: " + fmt);
    }
    CanaryPlan plan =
        CanaryPlan.seeded(
            CanaryFormat.pin(), CanaryPlan.STANDARD_INSERTIONS, canariesPerCount, seed);
    UserSettings users = UserSettings.of(c);
    SecretSharer experiment =
        new SecretSharer(plan, text.window())
            .seed(seed)
            .candidates(candidates)
            .records(users.grouping());
    OutputWriter.OutputDir out = OutputWriter.prepare(output, overwrite);
    if (!verbose) {
      SparkLogRouting.toFile(OutputWriter.localLogFile(out, "spark-tasks.log"));
    }
    SparkSession spark = SparkSessions.start(c);
    System.out.println("loading " + fmt + " training data from " + paths.train());
    Dataset<Row> corpus =
        DataLoader.load(
            spark,
            fmt,
            paths.train(),
            true,
            "features",
            "label",
            c.integer("data.limit"),
            0,
            text,
            users);
    System.out.printf(
        Locale.ROOT,
        "inserting %d canary records (%d windows) into the training data%n",
        plan.trainingRecords().size(),
        CanaryWindows.rows(plan, text.window()).size());
    Console console = new Console(c.number("progress-seconds"));
    // The test side is read before the first step too: a bad test record must not surface after
    // the privacy was spent.
    try (TrainingBlocks testData = testBlocks(spark, c, paths, text, dp);
        SecretSharerResult result = experiment.listener(console).run(corpus, testData, dp, np)) {
      TrainingResult dpRun = result.dp();
      TrainingResult npRun = result.nonPrivate();
      System.out.printf(
          Locale.ROOT,
          "scored %,d candidates and %d canaries under each of 2 models in %.1f s%n",
          candidates,
          plan.canaries().size(),
          result.scoringSeconds());
      ExposureReport report = result.report();
      ObjectNode json = ExposureReportJson.toJson(report);
      json.put(
          "scoring",
          "log-perplexity = -sum of the natural-log probabilities of the whole canary text's"
              + " characters after its first (and the record's closing newline), as one window");
      json.put("candidates_sampled", candidates);
      json.put("scoring_seconds", result.scoringSeconds());
      json.put("seed", seed);
      // A run made with testing hooks (zero noise, fixed sampling) must not pass for a private one.
      json.set(
          "dp_run",
          TestingHooks.mark(
              privacy(dpRun.privacy(), result.dpTest(), dp),
              console.hooks.get(SecretSharer.PRIVATE)));
      ObjectNode npJson = privacy(npRun.privacy(), result.nonPrivateTest(), np);
      npJson.set("overrides", OutputWriter.JSON.valueToTree(nonPrivateSets));
      json.set(
          "non_private_run",
          TestingHooks.mark(npJson, console.hooks.get(SecretSharer.NON_PRIVATE)));
      json.put("recipe", dpRun.spec().describe());
      RunDisclosures.putInitFrom(json, dp.initFrom());
      try (OutputStream o = out.fs().create(out.file("canaries.json"), true)) {
        OutputWriter.JSON.writeValue(o, json);
      }
      try (OutputStream o = out.fs().create(out.file("canaries.png"), true)) {
        ExposurePlot.writePng(report, o);
      }
      System.out.print(ExposureTable.format(report));

      long t1 = System.nanoTime();
      Disagreements disagreements =
          Disagreements.score(
              Disagreements.sample(result.trainingWindows(), sampleWindows, seed),
              dpRun,
              npRun,
              SecretSharer.SCORING_BATCH);
      writeDisagreements(out, disagreements);
      System.out.printf(
          Locale.ROOT,
          "disagreements.txt (holds TRAINING TEXT) written in %.1f s%n",
          (System.nanoTime() - t1) / 1e9);
      System.out.println("canaries.json (holds the canaries' secrets), canaries.png in " + out);
    }
    return 0;
  }

  /**
   * The console side of the experiment: a heading and progress lines per model, with the testing
   * hooks applied to each trainer (and remembered for the report), its privacy and test score.
   */
  private static final class Console implements SecretSharerListener {
    final Map<String, List<String>> hooks = new HashMap<>();
    private final double progressSeconds;

    Console(double progressSeconds) {
      this.progressSeconds = progressSeconds;
    }

    @Override
    public void beforeTraining(String model, DpSgdTrainer trainer, TrainingPlan plan) {
      System.out.println(
          model.equals(SecretSharer.PRIVATE)
              ? "== training the DP model"
              : "== training the same recipe WITHOUT privacy (NO guarantee)");
      hooks.put(model, TestingHooks.apply(trainer, System.out));
      trainer.listener(ConsoleProgress.of(System.out, progressSeconds, plan));
    }

    @Override
    public void afterTraining(String model, TrainingResult r) {
      System.out.println(
          r.privacy().nonPrivate()
              ? "NO PRIVACY: trained without clipping and noise"
              : r.privacy().summary());
    }

    @Override
    public void afterEvaluation(String model, Evaluation e) {
      System.out.printf(
          Locale.ROOT,
          "%s: test perplexity %.3f per character, %.4f bits per character (%,d characters)%n",
          model,
          e.perplexity(),
          e.bitsPerCharacter(),
          e.targets());
    }
  }

  private void writeDisagreements(OutputWriter.OutputDir out, Disagreements d) throws IOException {
    try (PrintWriter w =
        new PrintWriter(
            new OutputStreamWriter(
                out.fs().create(out.file("disagreements.txt"), true), StandardCharsets.UTF_8))) {
      w.println(
          "# CONTAINS TRAINING TEXT (by design): keep it with the run's private outputs, do not"
              + " publish. The non-private model has NO privacy guarantee.");
      w.printf(
          Locale.ROOT,
          "# %d training windows (incl. canaries) sampled with seed %d; scores are natural-log"
              + " likelihoods of the window's targets, total and per character%n",
          d.windows().size(),
          seed);
      w.println();
      w.printf(
          Locale.ROOT,
          "## %d windows the non-private model favours most over the DP model (npLL - dpLL)%n",
          LISTED);
      d.favouredByNonPrivate(LISTED).forEach(s -> w.println(s.line()));
      w.println();
      w.printf(
          Locale.ROOT,
          "## %d windows both models score highest (the lower of the two per-character means)%n",
          LISTED);
      d.likelyUnderBoth(LISTED).forEach(s -> w.println(s.line()));
    }
  }

  private static TrainingBlocks testBlocks(
      SparkSession spark, JobConfig c, DataPaths paths, TextSettings text, DpSgdConfig dp) {
    if (paths.test() == null) {
      return null;
    }
    return TrainingBlocks.prepare(
        DataLoader.load(
            spark,
            c.string("data.format"),
            paths.test(),
            false,
            "features",
            "label",
            c.integer("data.limit"),
            0,
            text),
        "features",
        "label",
        0,
        0,
        dp.blockRows(),
        "test data " + paths.test(),
        c.number("data.feature-scale"),
        c.number("data.feature-shift"));
  }

  private static ObjectNode privacy(PrivacyReport p, Evaluation eval, DpSgdConfig recipe) {
    ObjectNode n = OutputWriter.JSON.createObjectNode();
    n.put(
        "privacy_guarantee",
        p.nonPrivate() ? "NONE: trained without clipping and noise" : p.summary());
    n.put("non_private", p.nonPrivate());
    if (Double.isInfinite(p.epsilon())) {
      n.put("epsilon", "Infinity");
    } else {
      n.put("epsilon", p.epsilon());
    }
    n.put("delta", p.delta());
    n.put("noise_multiplier", p.noiseMultiplier());
    n.put("l2_norm_clip", p.l2NormClip());
    n.put("sampling_rate", p.samplingRate());
    n.put("steps", p.steps());
    n.put("epochs", p.epochs());
    n.put("train_examples", p.trainExamples());
    n.put("privacy_unit", p.nonPrivate() ? "none" : p.privacyUnit());
    n.put("optimizer", recipe.optimizer().name());
    n.put("learning_rate", recipe.optimizer().learningRate());
    if (eval != null) {
      n.put("test_perplexity", eval.perplexity());
      n.put("test_bits_per_character", eval.bitsPerCharacter());
      n.put("test_characters", eval.targets());
    }
    return n;
  }
}
