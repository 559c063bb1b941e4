package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdpsgd.membership.MembershipInference;
import org.sparkdpsgd.membership.MembershipInferenceListener;
import org.sparkdpsgd.membership.MembershipInferenceResult;
import org.sparkdpsgd.membership.ModelAttacks;
import org.sparkdpsgd.membership.RocCurve;
import org.sparkdpsgd.membership.RocPlot;
import org.sparkdpsgd.train.ConsoleProgress;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;

/**
 * `dpsgd audit --mode mia`: membership inference against the config's DP model and the same recipe
 * without privacy, both trained on a random half of the training data ({@link
 * MembershipInference}). Prints and writes each attack's AUC, its true-positive rate at 1% and 0.1%
 * false positives and its advantage (the numbers of Carlini et al. 2022), the models' test scores,
 * and roc.png. Only aggregates: no example, score or membership bit leaves the run.
 */
final class MiaAudit {
  private MiaAudit() {}

  static void run(
      JobConfig c,
      JobData data,
      DpSgdConfig dp,
      DpSgdConfig nonPrivate,
      MembershipInference mia,
      ObjectNode json,
      OutputWriter.OutputDir out)
      throws Exception {
    Console console = new Console(c.number("progress-seconds"));
    MembershipInferenceResult r = mia.listener(console).run(data.train(), dp, nonPrivate);
    ObjectNode o = json.putObject("mia");
    o.put(
        "method",
        "the target models train on a random half of the training data (the members); the attacks"
            + " score members and non-members: the loss attack (Yeom et al. 2018) and, with"
            + " reference models, offline LiRA (Carlini et al. 2022)");
    o.put("population", r.population());
    o.put("reference_models", r.dp().referenceModels());
    o.put("training_seconds", r.trainingSeconds());
    o.put("scoring_seconds", r.scoringSeconds());
    ArrayNode models = o.putArray("models");
    Map<String, String> testScores = new HashMap<>();
    if (data.test() != null) {
      for (ModelAttacks a : List.of(r.dp(), r.nonPrivate())) {
        // the test set is public: scoring the targets on it costs no privacy
        Evaluation test = Evaluation.of(data.test(), a.target().spec(), a.target().params());
        testScores.put(a.model(), AuditCommand.testScore(test));
        System.out.println(a.model() + ": " + AuditCommand.testScore(test));
      }
    }
    System.out.println("membership inference (attack examples: half members, half not):");
    System.out.printf(
        Locale.ROOT,
        "  %-44s %7s %11s %12s %9s%n",
        "model / attack",
        "AUC",
        "TPR@1%FPR",
        "TPR@0.1%FPR",
        "advantage");
    for (ModelAttacks a : List.of(r.dp(), r.nonPrivate())) {
      ObjectNode m = models.addObject();
      m.put("model", a.model());
      m.put("non_private", a.target().privacy().nonPrivate());
      m.put(
          "privacy",
          a.target().privacy().nonPrivate()
              ? "NONE: trained without clipping and noise"
              : a.target().privacy().summary());
      if (!a.target().privacy().nonPrivate()) {
        m.put("epsilon", a.target().privacy().epsilon());
        m.put("delta", a.target().privacy().delta());
      }
      if (testScores.containsKey(a.model())) {
        m.put("test_score", testScores.get(a.model()));
      }
      TestingHooks.mark(m, console.hooks.getOrDefault(a.model(), List.of()));
      ObjectNode attacks = m.putObject("attacks");
      put(attacks, a.model(), "loss", a.lossAttack());
      if (a.calibratedAttack() != null) {
        put(attacks, a.model(), "offline_lira", a.calibratedAttack());
      }
    }
    try (OutputStream png = out.fs().create(out.file("roc.png"), true)) {
      RocPlot.writePng(
          String.format(
              Locale.ROOT,
              "Membership inference: DP-SGD (ε %.2f) and %s",
              r.dp().target().privacy().epsilon(),
              json.path("non_private_overrides").isEmpty()
                  ? "the same recipe without privacy"
                  : "a tuned non-private baseline"),
          r.curves(),
          png);
    }
  }

  private static void put(ObjectNode attacks, String model, String name, RocCurve roc) {
    ObjectNode a = attacks.putObject(name);
    a.put("auc", roc.auc());
    a.put("tpr_at_1pct_fpr", roc.tprAtFpr(0.01));
    a.put("tpr_at_0.1pct_fpr", roc.tprAtFpr(0.001));
    a.put("advantage", roc.advantage());
    System.out.printf(
        Locale.ROOT,
        "  %-44s %7.4f %10.2f%% %11.2f%% %9.4f%n",
        model + " / " + name.replace('_', ' '),
        roc.auc(),
        100 * roc.tprAtFpr(0.01),
        100 * roc.tprAtFpr(0.001),
        roc.advantage());
  }

  /** Progress per model, testing hooks remembered per target for the report. */
  private static final class Console implements MembershipInferenceListener {
    final Map<String, List<String>> hooks = new HashMap<>();
    private final double progressSeconds;

    Console(double progressSeconds) {
      this.progressSeconds = progressSeconds;
    }

    @Override
    public void beforeTraining(
        String model, int reference, DpSgdTrainer trainer, TrainingPlan plan) {
      System.out.println(
          reference < 0
              ? "== training the target model: " + model + " (on the members)"
              : "== training reference model " + (reference + 1) + " for " + model);
      List<String> used = TestingHooks.apply(trainer, System.out);
      if (reference < 0) {
        hooks.put(model, new ArrayList<>(used));
      }
      trainer.listener(ConsoleProgress.of(System.out, progressSeconds, plan));
    }

    @Override
    public void afterTraining(String model, int reference, TrainingResult r) {
      System.out.println(
          r.privacy().nonPrivate()
              ? "NO PRIVACY: trained without clipping and noise"
              : r.privacy().summary());
    }

    @Override
    public void beforeScoring(String model) {
      System.out.println("== scoring the attack examples under " + model);
    }
  }
}
