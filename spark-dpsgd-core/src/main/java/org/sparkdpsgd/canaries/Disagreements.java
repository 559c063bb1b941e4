package org.sparkdpsgd.canaries;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkdpsgd.audit.Canary;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.model.WindowScores;
import org.sparkdpsgd.text.TextWindows;
import org.sparkdpsgd.train.TrainingResult;

/**
 * Training windows scored under the DP model and the same recipe without privacy, to list what the
 * non-private model learnt that the DP one did not. Every window holds TRAINING TEXT: the lists are
 * private outputs, by design.
 *
 * @param windows the scored windows that have at least one target, in the order they were given
 */
public record Disagreements(List<ScoredWindow> windows) {
  public Disagreements {
    windows = List.copyOf(windows);
  }

  /**
   * A uniform sample, without replacement, of {@code count} windows of {@code trainingWindows}
   * (rows of {@link org.sparkdpsgd.text.TextCorpus#schema()}), drawn with Spark's {@code
   * takeSample}.
   */
  public static List<int[]> sample(Dataset<Row> trainingWindows, int count, long seed) {
    List<Row> sample =
        trainingWindows.select("features").toJavaRDD().takeSample(false, count, seed);
    List<int[]> windows = new ArrayList<>();
    for (Row r : sample) {
      windows.add(Arrays.stream(((Vector) r.get(0)).toArray()).mapToInt(d -> (int) d).toArray());
    }
    return windows;
  }

  /** Scores {@code windows} under both models on the driver, {@code batch} windows at a time. */
  public static Disagreements score(
      List<int[]> windows, TrainingResult dp, TrainingResult nonPrivate, int batch) {
    Network dpNet = new Network(dp.spec(), dp.params(), DataType.FLOAT);
    Network npNet = new Network(nonPrivate.spec(), nonPrivate.params(), DataType.FLOAT);
    List<ScoredWindow> scored = new ArrayList<>();
    for (int from = 0; from < windows.size(); from += batch) {
      List<int[]> part = windows.subList(from, Math.min(windows.size(), from + batch));
      WindowScores d = LanguageModelScorer.score(dpNet, part);
      WindowScores n = LanguageModelScorer.score(npNet, part);
      for (int i = 0; i < part.size(); i++) {
        if (d.targets()[i] > 0) {
          scored.add(
              new ScoredWindow(
                  part.get(i), d.logLikelihoods()[i], n.logLikelihoods()[i], d.targets()[i]));
        }
      }
    }
    return new Disagreements(scored);
  }

  /**
   * These windows without the canaries' own windows (as {@link CanaryWindows} cut them at {@code
   * window}, and any corpus window with the same characters): what is left can be shown without
   * showing a secret. Corpus text is still training text.
   */
  public Disagreements withoutCanaries(CanaryPlan plan, int window) {
    Set<String> canaryWindows = new HashSet<>();
    for (Canary c : plan.canaries()) {
      for (int[] w : TextWindows.of(c.text(), window)) {
        canaryWindows.add(Arrays.toString(w));
      }
    }
    return new Disagreements(
        windows.stream().filter(s -> !canaryWindows.contains(Arrays.toString(s.ids()))).toList());
  }

  /** The {@code n} windows the non-private model favours most over the DP model (largest gap). */
  public List<ScoredWindow> favouredByNonPrivate(int n) {
    return top(Comparator.comparingDouble(ScoredWindow::gap).reversed(), n);
  }

  /**
   * The {@code n} windows both models find most likely: the largest of the lower of the two
   * per-character means.
   */
  public List<ScoredWindow> likelyUnderBoth(int n) {
    return top(
        Comparator.comparingDouble((ScoredWindow s) -> Math.min(s.dpMean(), s.npMean())).reversed(),
        n);
  }

  private List<ScoredWindow> top(Comparator<ScoredWindow> order, int n) {
    List<ScoredWindow> sorted = new ArrayList<>(windows);
    sorted.sort(order);
    return List.copyOf(sorted.subList(0, Math.min(n, sorted.size())));
  }
}
