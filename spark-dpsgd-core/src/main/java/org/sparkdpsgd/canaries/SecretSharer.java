package org.sparkdpsgd.canaries;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.audit.ExposureAudit;
import org.sparkdpsgd.audit.ExposureReport;
import org.sparkdpsgd.audit.ModelExposures;
import org.sparkdpsgd.audit.SkewNormalFit;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.data.UserBlocks;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.CryptoRandom;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The Secret Sharer experiment (Carlini et al. 2019) on a character language model:
 *
 * <pre>
 *   windows  = the corpus's training windows + the plan's canary records, each inserted as planned
 *   models   = the DP config and the same recipe without privacy, both through {@link DpSgdTrainer}
 *   test     = each model's perplexity on the test windows (if given; public, costs no privacy)
 *   exposure = each canary's rank among sampled candidates, by whole-text log-perplexity
 *              ({@link LanguageModelScorer}, {@link ExposureAudit#sampled})
 * </pre>
 *
 * Everything that can be checked is checked before the first step: both configs, both plans and
 * both models' shapes against the data.
 */
public final class SecretSharer {
  public static final String PRIVATE = "DP-SGD";
  public static final String NON_PRIVATE = "non-private (NO guarantee)";

  /** Texts (and windows) scored per batch on the driver. */
  public static final int SCORING_BATCH = 1024;

  public static final int DEFAULT_CANDIDATES = 10_000;

  private final CanaryPlan plan;
  private final int window;
  private int candidates = DEFAULT_CANDIDATES;
  private Long seed = null;
  private SecretSharerListener listener = SecretSharerListener.NONE;
  private UserBlocks.Grouping records = null;

  /**
   * @param plan the canaries and how often each is inserted
   * @param window the characters a window reads, as the corpus was cut ({@code data.window})
   */
  public SecretSharer(CanaryPlan plan, int window) {
    if (window < 2) {
      throw Checks.fail("window", ">= 2", window);
    }
    this.plan = plan;
    this.window = window;
  }

  /** Candidates sampled from the secret space per model (default {@value #DEFAULT_CANDIDATES}). */
  public SecretSharer candidates(int count) {
    long space = plan.format().spaceSize();
    if (count < SkewNormalFit.MIN_SAMPLE || count > space) {
      throw Checks.fail(
          "the number of candidates", "in " + SkewNormalFit.MIN_SAMPLE + ".." + space, count);
    }
    this.candidates = count;
    return this;
  }

  /**
   * Draws the candidate samples from streams keyed by {@code seed} (and the model's name), so that
   * a report can be repeated; unset, they come from the operating system's secure source.
   */
  public SecretSharer seed(long seed) {
    this.seed = seed;
    return this;
  }

  /**
   * Record-level privacy for the DP model: its examples grouped by {@code grouping}'s column (the
   * windows must come from {@link TextCorpus#loadWithRecords}), so that a record and its exact
   * copies are one unit, and a canary's k copies one person's secret. The non-private model trains
   * on the same windows one by one, as before.
   */
  public SecretSharer records(UserBlocks.Grouping grouping) {
    this.records = grouping;
    return this;
  }

  public SecretSharer listener(SecretSharerListener l) {
    this.listener = l;
    return this;
  }

  public CanaryPlan plan() {
    return plan;
  }

  public int candidates() {
    return candidates;
  }

  /**
   * Runs the experiment.
   *
   * @param trainingWindows the corpus's training windows (rows of {@link
   *     org.sparkdpsgd.text.TextCorpus#schema()}), without canaries
   * @param test the test windows, packed (so that a bad test record fails before any privacy is
   *     spent), or null; the caller closes them
   * @param dp the DP model's config (a language model over windows of {@code window})
   * @param nonPrivate the same recipe with {@code nonPrivate(true)}: NO privacy guarantee
   */
  public SecretSharerResult run(
      Dataset<Row> trainingWindows, TrainingBlocks test, DpSgdConfig dp, DpSgdConfig nonPrivate) {
    Checks.require(
        !dp.isNonPrivate(), "the DP model's config must be private; provided value: non-private");
    Checks.require(
        nonPrivate.isNonPrivate(),
        "the non-private model's config must have nonPrivate(true); provided value: private");
    if (dp.checkpointDir() != null && dp.checkpointDir().equals(nonPrivate.checkpointDir())) {
      throw new InvalidInputException(
          "the DP and the non-private model need checkpoint directories of their own; provided"
              + " value: both "
              + dp.checkpointDir());
    }
    if (records != null && !Arrays.asList(trainingWindows.columns()).contains(records.userCol())) {
      throw new InvalidInputException(
          "record-level privacy needs each window's record in column '"
              + records.userCol()
              + "' (TextCorpus.loadWithRecords); available columns: "
              + Arrays.toString(trainingWindows.columns()));
    }
    Dataset<Row> windows = CanaryWindows.addTo(trainingWindows, plan, window).cache();
    String source = "training windows with " + plan.trainingRecords().size() + " canary records";
    boolean returned = false;
    try (TrainingBlocks blocks = blocks(windows, dp, source, null);
        TrainingBlocks dpBlocks = records == null ? null : blocks(windows, dp, source, records)) {
      TrainingBlocks dpData = dpBlocks == null ? blocks : dpBlocks;
      DpSgdTrainer dpTrainer = new DpSgdTrainer(dp);
      DpSgdTrainer npTrainer = new DpSgdTrainer(nonPrivate);
      TrainingPlan dpPlan = dpTrainer.plan(dpData);
      TrainingPlan npPlan = npTrainer.plan(blocks);
      dp.modelSpec(blocks.dim(), blocks.numClasses());
      nonPrivate.modelSpec(blocks.dim(), blocks.numClasses());

      TrainingResult dpRun = train(PRIVATE, dpTrainer, dpPlan, dpData);
      TrainingResult npRun = train(NON_PRIVATE, npTrainer, npPlan, blocks);
      Evaluation dpTest = evaluate(PRIVATE, test, dpRun);
      Evaluation npTest = evaluate(NON_PRIVATE, test, npRun);

      long t0 = System.nanoTime();
      ModelExposures dpExposures = audit(PRIVATE, dpRun);
      ModelExposures npExposures = audit(NON_PRIVATE, npRun);
      double scoringSeconds = (System.nanoTime() - t0) / 1e9;
      ExposureReport report = new ExposureReport(plan, List.of(dpExposures, npExposures));
      SecretSharerResult result =
          new SecretSharerResult(report, dpRun, npRun, dpTest, npTest, scoringSeconds, windows);
      returned = true;
      return result;
    } finally {
      if (!returned) {
        windows.unpersist();
      }
    }
  }

  /** The windows packed one by one ({@code grouping} null) or grouped by record. */
  private static TrainingBlocks blocks(
      Dataset<Row> windows, DpSgdConfig c, String source, UserBlocks.Grouping grouping) {
    return TrainingBlocks.prepare(
        grouping == null && Arrays.asList(windows.columns()).contains(TextCorpus.RECORD_COL)
            ? windows.drop(TextCorpus.RECORD_COL)
            : windows,
        "features",
        "label",
        0,
        0,
        c.blockRows(),
        source,
        c.featureScale(),
        c.featureShift(),
        grouping);
  }

  private TrainingResult train(
      String model, DpSgdTrainer trainer, TrainingPlan plan, TrainingBlocks blocks) {
    listener.beforeTraining(model, trainer, plan);
    TrainingResult r = trainer.fit(blocks);
    listener.afterTraining(model, r);
    return r;
  }

  private Evaluation evaluate(String model, TrainingBlocks test, TrainingResult run) {
    if (test == null) {
      return null;
    }
    Evaluation e = Evaluation.of(test, run.spec(), run.params());
    listener.afterEvaluation(model, e);
    return e;
  }

  private ModelExposures audit(String model, TrainingResult run) {
    CryptoRandom random =
        seed == null
            ? CryptoRandom.fromSecureSeed()
            : CryptoRandom.derived(
                "spark-dpsgd canary candidates", model.getBytes(StandardCharsets.UTF_8), seed);
    return ExposureAudit.sampled(
        model, plan, new LanguageModelScorer(run), candidates, random, SCORING_BATCH);
  }
}
