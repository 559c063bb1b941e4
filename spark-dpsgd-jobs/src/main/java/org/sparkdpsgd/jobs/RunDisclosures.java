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
      ObjectNode report, DataPaths paths, boolean leaksTrainingLoss, String sameDataWarning) {
    ArrayNode pub = report.putArray("treated_as_public");
    pub.add(
        "the number of training examples N (train_examples; it sets q = batch / N and is printed)");
    pub.add(
        "the number of classes and features (from the config, the schema or a known dataset, not from the rows)");
    if (paths.test() != null) {
      pub.add(
          "the test set " + paths.test() + " (test accuracy and loss are computed without noise)");
    }
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
}
