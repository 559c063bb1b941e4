package org.sparkdpsgd.jobs;

import static org.apache.commons.text.StringEscapeUtils.escapeHtml4;

import java.util.List;
import java.util.Locale;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.PrivacyReport;
import org.sparkdpsgd.train.TrainingResult;

/**
 * report.html: one page a person reads — the privacy statement in plain words, the test score, the
 * run's warnings and the plots written beside it (linked by file name, so the directory moves as a
 * whole). Holds no training example.
 */
final class RunReportHtml {
  private RunReportHtml() {}

  static String page(
      TrainingResult r,
      Evaluation test,
      List<String> warnings,
      List<String> plots,
      String ledgerPosition,
      String initFrom) {
    PrivacyReport p = r.privacy();
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<title>spark-dpsgd run report</title>\n")
        .append(
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
                + " img{max-width:100%;border:1px solid #ddd;margin:.5em 0}"
                + " .warn{color:#a00}</style>\n")
        .append("</head><body>\n")
        .append("<h1>spark-dpsgd run report</h1>\n")
        .append("<p>Model: ")
        .append(escapeHtml4(r.spec().describe()))
        .append("</p>\n<h2>Privacy</h2>\n");
    boolean lm = r.spec().numClasses() == 0;
    for (String paragraph : plainWords(p, lm)) {
      h.append("<p>").append(escapeHtml4(paragraph)).append("</p>\n");
    }
    h.append("<p><small>")
        .append(escapeHtml4(p.nonPrivate() ? "No privacy accounting." : p.summary()))
        .append("</small></p>\n");
    if (initFrom != null) {
      // Fine-tuning: the starting model's data is outside ε, so the reader of the page must see it.
      h.append("<p>Trained from ")
          .append(escapeHtml4(RunDisclosures.startingModel(initFrom)))
          .append(".</p>\n");
    }
    if (ledgerPosition != null) {
      h.append("<p>Privacy budget ledger: ").append(escapeHtml4(ledgerPosition)).append("</p>\n");
    }
    h.append("<h2>Result</h2>\n<p>").append(escapeHtml4(testScore(test))).append("</p>\n");
    for (String w : warnings) {
      h.append("<p class=\"warn\">WARNING: ").append(escapeHtml4(w)).append("</p>\n");
    }
    if (!plots.isEmpty()) {
      h.append("<h2>Curves</h2>\n");
      for (String png : plots) {
        h.append("<img src=\"")
            .append(escapeHtml4(png))
            .append("\" alt=\"")
            .append(escapeHtml4(png.replace(".png", "").replace('-', ' ')))
            .append("\">\n");
      }
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  /** What the guarantee means, for someone who has not read the DP literature. */
  static List<String> plainWords(PrivacyReport p, boolean languageModel) {
    if (p.nonPrivate()) {
      return List.of(
          "This model was trained WITHOUT differential privacy (no clipping, no noise). It gives"
              + " no privacy guarantee: it may reveal, or even reproduce, its training data.");
    }
    if (p.users() > 0) {
      return userLevelWords(p);
    }
    String unit =
        languageModel
            ? "one training example (one window of text, not a whole record or a person)"
            : "one training example (one row of the data)";
    return List.of(
        String.format(
            Locale.ROOT,
            "This model was trained with differential privacy: ε = %.2f, δ = %.0e, for adding or"
                + " removing %s. Whatever anyone does with the model, each outcome is at most e^ε"
                + " = %.1f times more (or less) likely with any one example in the training data"
                + " than without it, except with a probability of at most δ. So the model"
                + " reveals little about any single example, whatever else its reader knows.",
            p.epsilon(),
            p.delta(),
            unit,
            Math.exp(p.epsilon())),
        String.format(
                Locale.ROOT,
                "The unit is one example. A person who contributed k examples is protected at"
                    + " about k·ε (for k = 10: ε = %.1f), which is much weaker; a smaller ε means"
                    + " stronger protection. ",
                10 * p.epsilon())
            + assumptions(p, "data"));
  }

  /** User-level privacy: the unit is a person, all of their rows at once. */
  private static List<String> userLevelWords(PrivacyReport p) {
    return List.of(
        String.format(
            Locale.ROOT,
            "This model was trained with differential privacy: ε = %.2f, δ = %.0e, for adding or"
                + " removing one user with ALL of their rows (user-level, %d users, %d rows)."
                + " Whatever anyone does with the model, each outcome is at most e^ε = %.1f times"
                + " more (or less) likely with any one person's data in the training set than"
                + " without it, except with a probability of at most δ. So the model reveals little"
                + " about any single person, however many rows they contributed.",
            p.epsilon(),
            p.delta(),
            p.users(),
            p.trainExamples(),
            Math.exp(p.epsilon())),
        "Each step sampled users (not rows) and clipped each sampled user's mean gradient as a"
            + " whole. "
            + assumptions(p, "people"));
  }

  /** What every guarantee assumes, the same for both privacy units. */
  private static String assumptions(PrivacyReport p, String over) {
    return "The guarantee covers everything computed from the model; it assumes each step's noise"
        + " was secret and random ("
        + (p.secureNoise() ? "it was drawn from a secure source" : "it was NOT: see warnings")
        + ") and that the data were used only by this run (ε adds up over runs on the same "
        + over
        + ").";
  }

  private static String testScore(Evaluation e) {
    if (e == null) {
      return "No test set was given: no test score.";
    }
    return AuditCommand.testScore(e) + " (on the test set, which is treated as public).";
  }
}
