package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkdpsgd.audit.CanaryFormat;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.audit.CandidateScorer;
import org.sparkdpsgd.audit.ExposureAudit;
import org.sparkdpsgd.audit.ExposurePlot;
import org.sparkdpsgd.audit.ExposureReport;
import org.sparkdpsgd.audit.ExposureReportJson;
import org.sparkdpsgd.audit.ExposureTable;
import org.sparkdpsgd.audit.ModelExposures;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.model.WindowScores;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.text.TextWindows;
import org.sparkdpsgd.train.ConsoleProgress;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.PrivacyReport;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.CryptoRandom;
import org.sparkdpsgd.util.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Secret Sharer experiment (Carlini et al. 2019) on a text corpus: canaries "my pin is ddddd"
 * inserted 1, 4, 16 and 64 times into the training records, the config's DP model and the same
 * recipe without privacy trained on them, and each canary's exposure under both models.
 */
@Command(
    name = "canaries",
    mixinStandardHelpOptions = true,
    description =
        "Insert canaries into a text corpus, train the DP model and the same recipe without"
            + " privacy, and measure the canaries' exposure (writes canaries.json, canaries.png,"
            + " disagreements.txt)")
final class CanariesCommand implements Callable<Integer> {
  static final String NON_PRIVATE = "non-private (NO guarantee)";
  static final String PRIVATE = "DP-SGD";
  static final int SCORING_BATCH = 1024;
  static final int LISTED = 20;

  @Option(names = "--config", required = true, description = "HOCON config of a charlm run")
  String config;

  @Option(
      names = "--set",
      description = "override a setting, e.g. --set training.epochs=30 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(names = "--output", required = true, description = "output directory")
  String output;

  @Option(names = "--overwrite", description = "replace what the output directory holds")
  boolean overwrite;

  @Option(
      names = "--candidates",
      description = "candidates sampled from the secret space per model (default ${DEFAULT-VALUE})")
  int candidates = 10_000;

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
    JobConfig c = JobConfig.load(config, sets);
    List<String> npSets = new ArrayList<>(sets);
    npSets.add("training.no-privacy=true");
    JobConfig cNp = JobConfig.load(config, npSets);
    DpSgdConfig dp = TrainerSettings.from(c);
    DpSgdConfig np = TrainerSettings.from(cNp);
    DataPaths paths = DataPaths.of(c);
    TextSettings text = TextSettings.of(c);
    String fmt = c.string("data.format");
    if (!fmt.equals("text") && !fmt.equals("fortunes")) {
      throw new InvalidInputException(
          "canaries needs data.format = text or fortunes; provided value: " + fmt);
    }
    if (candidates < 1) {
      throw new InvalidInputException("--candidates must be >= 1; provided value: " + candidates);
    }
    OutputWriter.OutputDir out = OutputWriter.prepare(output, overwrite);
    if (!verbose) {
      SparkLogRouting.toFile(OutputWriter.localLogFile(out, "spark-tasks.log"));
    }
    CanaryPlan plan =
        CanaryPlan.seeded(
            CanaryFormat.pin(),
            CanaryPlan.STANDARD_INSERTIONS,
            CanaryPlan.STANDARD_CANARIES_PER_COUNT,
            seed);
    SparkSession spark = SparkSessions.start(c);
    System.out.println("loading " + fmt + " training data from " + paths.train());
    Dataset<Row> corpus =
        DataLoader.load(
            spark, fmt, paths.train(), true, "features", "label", c.integer("data.limit"), 0, text);
    List<Row> canaryRows = new ArrayList<>();
    for (String record : plan.trainingRecords()) {
      for (int[] w : TextWindows.of(record, text.window())) {
        canaryRows.add(RowFactory.create(Vectors.dense(toDoubles(w)), 0.0));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "inserting %d canary records (%d windows) into the training data%n",
        plan.trainingRecords().size(),
        canaryRows.size());
    Dataset<Row> withCanaries =
        corpus.union(spark.createDataFrame(canaryRows, TextCorpus.schema())).cache();
    // The test side is read before the first step too: a bad test record must not surface after
    // the privacy was spent.
    try (TrainingBlocks testData = testBlocks(spark, c, paths, text, dp);
        TrainingBlocks blocks =
            TrainingBlocks.prepare(
                withCanaries,
                "features",
                "label",
                0,
                0,
                dp.blockRows(),
                "training data " + paths.train() + " with canaries",
                c.number("data.feature-scale"),
                c.number("data.feature-shift"))) {
      System.out.println("== training the DP model");
      Run dpTrained = train(dp, blocks, c);
      TrainingResult dpRun = dpTrained.result();
      System.out.println("== training the same recipe WITHOUT privacy (NO guarantee)");
      Run npTrained = train(np, blocks, cNp);
      TrainingResult npRun = npTrained.result();
      Evaluation dpEval = evaluate(PRIVATE, testData, dpRun);
      Evaluation npEval = evaluate(NON_PRIVATE, testData, npRun);

      long t0 = System.nanoTime();
      ModelExposures dpExp = audit(PRIVATE, plan, dpRun);
      ModelExposures npExp = audit(NON_PRIVATE, plan, npRun);
      double scoringSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "scored %,d candidates and %d canaries under each of 2 models in %.1f s%n",
          candidates,
          plan.canaries().size(),
          scoringSeconds);
      ExposureReport report = new ExposureReport(plan, List.of(dpExp, npExp));
      ObjectNode json = ExposureReportJson.toJson(report);
      json.put(
          "scoring",
          "log-perplexity = -sum of the natural-log probabilities of the whole canary text's"
              + " characters after its first (and the record's closing newline), as one window");
      json.put("candidates_sampled", candidates);
      json.put("scoring_seconds", scoringSeconds);
      json.put("seed", seed);
      // A run made with testing hooks (zero noise, fixed sampling) must not pass for a private one.
      json.set(
          "dp_run", TestingHooks.mark(privacy(dpRun.privacy(), dpEval), dpTrained.testingHooks()));
      json.set(
          "non_private_run",
          TestingHooks.mark(privacy(npRun.privacy(), npEval), npTrained.testingHooks()));
      json.put("recipe", dpRun.spec().describe());
      try (OutputStream o = out.fs().create(out.file("canaries.json"), true)) {
        OutputWriter.JSON.writeValue(o, json);
      }
      try (OutputStream o = out.fs().create(out.file("canaries.png"), true)) {
        ExposurePlot.writePng(report, o);
      }
      System.out.print(ExposureTable.format(report));

      long t1 = System.nanoTime();
      writeDisagreements(out, withCanaries, dpRun, npRun);
      System.out.printf(
          Locale.ROOT,
          "disagreements.txt (holds TRAINING TEXT) written in %.1f s%n",
          (System.nanoTime() - t1) / 1e9);
      System.out.println("canaries.json (holds the canaries' secrets), canaries.png in " + out);
    } finally {
      withCanaries.unpersist();
    }
    return 0;
  }

  /** A trained model and the testing hooks it was trained with (none in a real run). */
  record Run(TrainingResult result, List<String> testingHooks) {}

  private static Run train(DpSgdConfig cfg, TrainingBlocks blocks, JobConfig c) {
    DpSgdTrainer trainer = new DpSgdTrainer(cfg);
    List<String> hooks = TestingHooks.apply(trainer, System.out);
    var plan = trainer.plan(blocks);
    trainer.listener(new ConsoleProgress(System.out, c.number("progress-seconds"), plan.delta()));
    TrainingResult r = trainer.fit(blocks);
    System.out.println(
        r.privacy().nonPrivate()
            ? "NO PRIVACY: trained without clipping and noise"
            : r.privacy().summary());
    return new Run(r, hooks);
  }

  private ModelExposures audit(String name, CanaryPlan plan, TrainingResult run) {
    CryptoRandom random =
        CryptoRandom.derived(
            "spark-dpsgd canary candidates", name.getBytes(StandardCharsets.UTF_8), seed);
    return ExposureAudit.sampled(name, plan, scorer(run), candidates, random, SCORING_BATCH);
  }

  /** Whole-text log-perplexity (natural log) of each text, through the model's windows. */
  static CandidateScorer scorer(TrainingResult run) {
    Network net = new Network(run.spec(), run.params(), DataType.FLOAT);
    int window = run.spec().window();
    return texts -> {
      List<int[]> windows = new ArrayList<>();
      List<Integer> owners = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        for (int[] w : TextWindows.of(texts.get(i), window)) {
          windows.add(w);
          owners.add(i);
        }
      }
      int[] owner = owners.stream().mapToInt(Integer::intValue).toArray();
      WindowScores s = score(net, windows);
      double[] lp = new double[texts.size()];
      for (int k = 0; k < owner.length; k++) {
        lp[owner[k]] -= s.logLikelihoods()[k];
      }
      return lp;
    };
  }

  static WindowScores score(Network net, List<int[]> windows) {
    int width = windows.isEmpty() ? 0 : windows.get(0).length;
    float[] x = new float[windows.size() * width];
    for (int i = 0; i < windows.size(); i++) {
      int[] w = windows.get(i);
      for (int t = 0; t < width; t++) {
        x[i * width + t] = w[t];
      }
    }
    return net.sequenceLogLikelihoods(net.input(x, windows.size()));
  }

  /** One training window scored under both models. */
  record Scored(int[] ids, double dpLogLik, double npLogLik, int targets) {
    double dpMean() {
      return dpLogLik / targets;
    }

    double npMean() {
      return npLogLik / targets;
    }
  }

  private void writeDisagreements(
      OutputWriter.OutputDir out, Dataset<Row> train, TrainingResult dpRun, TrainingResult npRun)
      throws IOException {
    List<Row> sample = train.select("features").toJavaRDD().takeSample(false, sampleWindows, seed);
    List<int[]> windows = new ArrayList<>();
    for (Row r : sample) {
      windows.add(Arrays.stream(((Vector) r.get(0)).toArray()).mapToInt(d -> (int) d).toArray());
    }
    Network dpNet = new Network(dpRun.spec(), dpRun.params(), DataType.FLOAT);
    Network npNet = new Network(npRun.spec(), npRun.params(), DataType.FLOAT);
    List<Scored> scored = new ArrayList<>();
    for (int from = 0; from < windows.size(); from += SCORING_BATCH) {
      List<int[]> batch = windows.subList(from, Math.min(windows.size(), from + SCORING_BATCH));
      WindowScores d = score(dpNet, batch);
      WindowScores n = score(npNet, batch);
      for (int i = 0; i < batch.size(); i++) {
        if (d.targets()[i] > 0) {
          scored.add(
              new Scored(
                  batch.get(i), d.logLikelihoods()[i], n.logLikelihoods()[i], d.targets()[i]));
        }
      }
    }
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
          scored.size(),
          seed);
      w.println();
      w.printf(
          Locale.ROOT,
          "## %d windows the non-private model favours most over the DP model (npLL - dpLL)%n",
          LISTED);
      List<Scored> byGap = new ArrayList<>(scored);
      byGap.sort(Comparator.comparingDouble((Scored s) -> s.npLogLik() - s.dpLogLik()).reversed());
      print(w, byGap);
      w.println();
      w.printf(
          Locale.ROOT,
          "## %d windows both models score highest (the lower of the two per-character means)%n",
          LISTED);
      List<Scored> byBoth = new ArrayList<>(scored);
      byBoth.sort(
          Comparator.comparingDouble((Scored s) -> Math.min(s.dpMean(), s.npMean())).reversed());
      print(w, byBoth);
    }
  }

  private static void print(PrintWriter w, List<Scored> ranked) {
    for (Scored s : ranked.subList(0, Math.min(LISTED, ranked.size()))) {
      String decoded = CharVocabulary.decode(s.ids(), 0, s.targets() + 1);
      w.printf(
          Locale.ROOT,
          "npLL %9.3f (%7.4f/char)  dpLL %9.3f (%7.4f/char)  gap %8.3f  %s%n",
          s.npLogLik(),
          s.npMean(),
          s.dpLogLik(),
          s.dpMean(),
          s.npLogLik() - s.dpLogLik(),
          decoded.replace("\\", "\\\\").replace("\n", "\\n"));
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

  /** Test perplexity of a model (the test data is treated as public: it costs no privacy). */
  private static Evaluation evaluate(String name, TrainingBlocks test, TrainingResult run) {
    if (test == null) {
      return null;
    }
    Evaluation e = Evaluation.of(test, run.spec(), run.params());
    System.out.printf(
        Locale.ROOT,
        "%s: test perplexity %.3f per character, %.4f bits per character (%,d characters)%n",
        name,
        e.perplexity(),
        e.bitsPerCharacter(),
        e.targets());
    return e;
  }

  private static ObjectNode privacy(PrivacyReport p, Evaluation eval) {
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
    if (eval != null) {
      n.put("test_perplexity", eval.perplexity());
      n.put("test_bits_per_character", eval.bitsPerCharacter());
      n.put("test_characters", eval.targets());
    }
    return n;
  }

  private static double[] toDoubles(int[] ids) {
    return Arrays.stream(ids).asDoubleStream().toArray();
  }
}
