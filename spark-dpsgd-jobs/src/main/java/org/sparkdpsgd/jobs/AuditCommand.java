package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.audit.OneRunAudit;
import org.sparkdpsgd.audit.OneRunAuditResult;
import org.sparkdpsgd.audit.OneRunGuesses;
import org.sparkdpsgd.audit.OneRunPlot;
import org.sparkdpsgd.membership.MembershipInference;
import org.sparkdpsgd.train.ConsoleProgress;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.PrivacyReport;
import org.sparkdpsgd.util.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures a config's privacy instead of trusting it: the one-run audit's ε lower bound beside the
 * claimed ε ({@link OneRunAudit}), or membership inference against the DP model and the same recipe
 * without privacy. Writes audit.json and PNG plots; prints a short summary. Nothing it writes or
 * prints holds a training example.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description =
        "Audit a config's privacy: a one-run epsilon lower bound beside the claimed epsilon"
            + " (--mode one-run), or membership inference on the DP and the non-private model"
            + " (--mode mia); writes audit.json and PNG plots")
final class AuditCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "HOCON config of the run to audit")
  String config;

  @Option(
      names = "--mode",
      description = "one-run | mia (default ${DEFAULT-VALUE})",
      defaultValue = "one-run")
  String mode;

  @Option(
      names = "--set",
      description = "override a setting, e.g. --set training.epochs=30 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(names = "--output", required = true, description = "output directory")
  String output;

  @Option(names = "--overwrite", description = "replace what the output directory holds")
  boolean overwrite;

  @Option(
      names = "--canaries",
      description =
          "one-run: gradient canaries, each in the run with probability 1/2 (default"
              + " ${DEFAULT-VALUE})")
  int canaries = OneRunAudit.DEFAULT_CANARIES;

  @Option(
      names = "--guesses",
      description =
          "one-run: guesses \"in\" and \"out\" each, fixed before the run (default: 3/10"
              + " of the canaries)")
  int guesses = 0;

  @Option(
      names = "--confidence",
      description = "one-run: confidence of the lower bound (default ${DEFAULT-VALUE})")
  double confidence = OneRunAudit.DEFAULT_CONFIDENCE;

  @Option(
      names = "--non-private-set",
      description =
          "mia: override a setting of the non-private baseline only, e.g. --non-private-set"
              + " training.learning-rate=0.1 (a rate tuned for clipped gradients can be too large"
              + " without clipping; repeatable)")
  List<String> nonPrivateSets = new ArrayList<>();

  @Option(
      names = "--references",
      description =
          "mia: reference models per target for offline LiRA, 0 (loss attack only) or 2..64"
              + " (default ${DEFAULT-VALUE})")
  int references = 0;

  @Option(
      names = "--attack-examples",
      description = "mia: examples attacked, half members, half not (default ${DEFAULT-VALUE})")
  int attackExamples = MembershipInference.DEFAULT_ATTACK_EXAMPLES;

  @Option(
      names = "--seed",
      description = "mia: seed of the member half and the attack sample (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--verbose", description = "show Spark's task warnings on the console")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    String m = mode.trim().toLowerCase(Locale.ROOT);
    if (!m.equals("one-run") && !m.equals("mia")) {
      throw new InvalidInputException("--mode must be one-run or mia; provided value: " + mode);
    }
    JobConfig c = JobConfig.load(config, sets);
    DpSgdConfig dp = TrainerSettings.from(c);
    if (!nonPrivateSets.isEmpty() && !mode.trim().toLowerCase(Locale.ROOT).equals("mia")) {
      throw new InvalidInputException(
          "--non-private-set is for --mode mia (one-run trains no baseline); provided value: "
              + String.join(" ", nonPrivateSets));
    }
    if (dp.isNonPrivate()) {
      throw new InvalidInputException(
          "audit needs a private config (training.no-privacy = true has no claim to audit);"
              + " the non-private baseline is trained beside it in --mode mia");
    }
    if (dp.checkpointDir() != null) {
      throw new InvalidInputException(
          "audit trains its own runs from scratch: remove training.checkpoint-dir (provided value: "
              + dp.checkpointDir()
              + ")");
    }
    OneRunAudit oneRun =
        new OneRunAudit().canaries(canaries).confidence(confidence).guessesPerSide(guesses);
    if (m.equals("one-run")) {
      // checks the guesses against the canaries before Spark starts
      int k = oneRun.guessesPerSide();
      if (k < 1 || 2 * k > canaries) {
        throw new InvalidInputException(
            "--guesses must be in 1.."
                + canaries / 2
                + " (half the canaries); provided value: "
                + k);
      }
    }
    MembershipInference mia = null;
    DpSgdConfig nonPrivate = null;
    if (m.equals("mia")) {
      if (references != 0 && (references < 2 || references > 64)) {
        throw new InvalidInputException(
            "--references must be 0 or in 2..64; provided value: " + references);
      }
      if (attackExamples < 2 || attackExamples % 2 != 0) {
        throw new InvalidInputException(
            "--attack-examples must be even and at least 2 (half members, half not); provided"
                + " value: "
                + attackExamples);
      }
      mia =
          new MembershipInference()
              .referenceModels(references)
              .attackExamples(attackExamples)
              .seed(seed);
      List<String> npSets = new ArrayList<>(sets);
      npSets.addAll(nonPrivateSets);
      npSets.add("training.no-privacy=true");
      nonPrivate = TrainerSettings.from(JobConfig.load(config, npSets));
    }
    DataPaths paths = DataPaths.of(c);
    TextSettings.of(c); // a bad text setting fails here, before Spark starts
    OutputWriter.OutputDir out = OutputWriter.prepare(output, overwrite);
    if (!verbose) {
      SparkLogRouting.toFile(OutputWriter.localLogFile(out, "spark-tasks.log"));
    }
    SparkSession spark = SparkSessions.start(c);
    try (JobData data = JobData.load(spark, c, paths, dp)) {
      ObjectNode json = OutputWriter.JSON.createObjectNode();
      json.put("config", config);
      json.put("mode", m);
      if (mia != null) {
        nonPrivateSets.forEach(json.putArray("non_private_overrides")::add);
        MiaAudit.run(c, data, dp, nonPrivate, mia, json, out);
      } else {
        runOneRun(c, oneRun, data, dp, json, out);
      }
      try (OutputStream o = out.fs().create(out.file("audit.json"), true)) {
        OutputWriter.JSON.writeValue(o, json);
      }
      System.out.println("audit.json and plots in " + out);
    }
    return 0;
  }

  private static void runOneRun(
      JobConfig c,
      OneRunAudit audit,
      JobData data,
      DpSgdConfig dp,
      ObjectNode json,
      OutputWriter.OutputDir out)
      throws Exception {
    List<List<String>> hooks = new ArrayList<>();
    audit.beforeTraining(
        (trainer, plan) -> {
          System.out.printf(
              Locale.ROOT,
              "== one-run audit: %d gradient canaries ride along one training run of the config%n",
              audit.canariesCount());
          hooks.add(TestingHooks.apply(trainer, System.out));
          trainer.listener(ConsoleProgress.of(System.out, c.number("progress-seconds"), plan));
        });
    OneRunAuditResult r = audit.run(data.train(), dp);
    PrivacyReport p = r.run().privacy();
    OneRunGuesses g = r.guesses();
    System.out.println(p.summary());
    // The audited run is an ordinary one: its test score shows the canaries did not spoil it.
    Evaluation eval =
        data.test() == null ? null : Evaluation.of(data.test(), r.run().spec(), r.run().params());
    if (eval != null) {
      System.out.println("the audited model: " + testScore(eval));
    }
    System.out.printf(
        Locale.ROOT,
        "one-run audit: %d of %d guesses right (%d \"in\", %d \"out\"); ε lower bound %.3f at %.1f%%"
            + " confidence, claimed ε %.3f: %s%n",
        g.correct(),
        g.guesses(),
        g.kIn(),
        g.kOut(),
        r.epsilonLowerBound(),
        100 * r.confidence(),
        r.claimedEpsilon(),
        r.contradictsClaim()
            ? "THE MEASURED BOUND EXCEEDS THE CLAIM: this build does not give the ε it reports"
            : "consistent with the claim (a lower bound; it does not prove the claim)");
    ObjectNode o = json.putObject("one_run");
    o.put(
        "method",
        "Steinke, Nasr and Jagielski 2023, Privacy Auditing with One (1) Training Run: each canary in"
            + " the run with probability 1/2; guesses fixed before the run; p-value of their"
            + " Theorem for (epsilon, delta)-DP");
    o.put("threat_model", OneRunAudit.THREAT_MODEL);
    o.put("canaries", r.scores().length);
    o.put("guesses_in", g.kIn());
    o.put("guesses_out", g.kOut());
    o.put("guesses", g.guesses());
    o.put("correct", g.correct());
    o.put("correct_in", g.correctIn());
    o.put("correct_out", g.correctOut());
    o.put("confidence", r.confidence());
    o.put("delta", r.plan().delta());
    o.put("epsilon_lower_bound", r.epsilonLowerBound());
    o.put("claimed_epsilon", r.claimedEpsilon());
    o.put("contradicts_claim", r.contradictsClaim());
    o.put("noise_multiplier", p.noiseMultiplier());
    o.put("l2_norm_clip", p.l2NormClip());
    o.put("sampling_rate", p.samplingRate());
    o.put("steps", p.steps());
    o.put("recipe", r.run().spec().describe());
    if (eval != null) {
      o.put("test_score", testScore(eval));
    }
    TestingHooks.mark(o, hooks.isEmpty() ? List.of() : hooks.get(0));
    try (OutputStream png = out.fs().create(out.file("one-run.png"), true)) {
      OneRunPlot.writePng(
          OneRunPlot.chart(
              r.scores(),
              r.included(),
              g,
              OneRunPlot.title(
                  r.claimedEpsilon(), r.epsilonLowerBound(), r.plan().delta(), r.confidence())),
          png);
    }
  }

  static String testScore(Evaluation e) {
    return e.languageModel()
        ? String.format(
            Locale.ROOT,
            "test perplexity %.3f per character (%.4f bits per character)",
            e.perplexity(),
            e.bitsPerCharacter())
        : String.format(
            Locale.ROOT, "test accuracy %.2f%% (%,d examples)", 100 * e.accuracy(), e.count());
  }
}
