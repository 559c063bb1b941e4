package org.sparkdpsgd.jobs;

import java.util.ArrayList;
import java.util.List;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.ModelSnapshots;

/**
 * The model's test-set score at evenly spaced steps, for the report's curves. Snapshots are kept
 * during training and scored after it: the trainer's resident tasks hold every executor core while
 * it runs, so a test job in between would wait for them. The test set is public data: scoring the
 * model on it costs no privacy.
 */
final class RunCurves implements ModelSnapshots {
  /**
   * One scored snapshot: test loss and, for classifiers, accuracy; for language models, perplexity.
   */
  record Point(long step, double epsilon, double testLoss, double testScore) {}

  private record Snapshot(long step, double epsilon, double[] params) {}

  private final List<Snapshot> snapshots = new ArrayList<>();

  @Override
  public void onSnapshot(long step, double epsilon, double[] params) {
    snapshots.add(new Snapshot(step, epsilon, params));
  }

  /** Scores every snapshot on the test data (accuracy, or perplexity for a language model). */
  List<Point> score(TrainingBlocks test, ModelSpec spec) {
    List<Point> points = new ArrayList<>();
    for (Snapshot s : snapshots) {
      Evaluation e = Evaluation.of(test, spec, s.params());
      points.add(
          new Point(
              s.step(),
              s.epsilon(),
              e.meanLoss(),
              e.languageModel() ? e.perplexity() : e.accuracy()));
    }
    snapshots.clear();
    return points;
  }
}
