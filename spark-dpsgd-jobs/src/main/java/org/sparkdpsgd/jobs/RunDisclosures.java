package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What report.json says besides ε: what the guarantee treats as public (released without noise),
 * and what this run leaked outside it on purpose. Whoever reads the report must see both.
 */
final class RunDisclosures {
  private RunDisclosures() {}

  static void add(
      ObjectNode report,
      DataPaths paths,
      boolean leaksTrainingLoss,
      String sameDataWarning,
      String initFrom) {
    ArrayNode pub = report.putArray("treated_as_public");
    pub.add(
        "the number of training examples N (train_examples; it sets q = batch / N and is printed)");
    pub.add(
        "the number of classes and features (from the config, the schema or a known dataset, not from the rows)");
    if (paths.test() != null) {
      pub.add(
          "the test set " + paths.test() + " (test accuracy and loss are computed without noise)");
    }
    if (initFrom != null) {
      pub.add(startingModel(initFrom));
    }
    putInitFrom(report, initFrom);
    ArrayNode leaks = report.putArray("leaks");
    if (leaksTrainingLoss) {
      leaks.add(
          "training.debug-leak-training-loss = true: metrics.csv holds the un-noised training loss of every"
              + " step's sample; it is NOT covered by the privacy guarantee");
    }
    if (sameDataWarning != null) {
      report.put("warning", sameDataWarning);
    }
  }

  /**
   * Names the model a fine-tuning run started from (model.init-from), in every JSON a run writes:
   * its training data is outside this run's ε, so the reader must know it was used.
   */
  static void putInitFrom(ObjectNode json, String initFrom) {
    if (initFrom != null) {
      json.put("init_from", initFrom);
      json.put("init_from_note", startingModel(initFrom));
    }
  }

  static String startingModel(String initFrom) {
    return "the starting model "
        + initFrom
        + " (model.init-from): its training data must be public; ε covers only this run's data";
  }
}
