package org.sparkdpsgd.canaries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.audit.CanaryFormat;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.text.TextWindows;
import org.sparkdpsgd.train.TrainingResult;

/** The two lists of windows, their order and their lines; sampling and scoring the windows. */
class DisagreementsTest {
  private static final int[] IDS = TextWindows.of("abc", 8)[0];

  private static ScoredWindow scored(double dp, double np, int targets) {
    return new ScoredWindow(IDS, dp, np, targets);
  }

  @Test
  void listsAreOrderedByGapAndByTheLowerMean() {
    ScoredWindow favoured = scored(-10, -2, 4); // gap 8, lower mean -2.5
    ScoredWindow both = scored(-3, -3, 4); // gap 0, lower mean -0.75
    ScoredWindow dpBetter = scored(-1, -4, 2); // gap -3, lower mean -2
    Disagreements d = new Disagreements(List.of(dpBetter, both, favoured));
    assertEquals(List.of(favoured, both), d.favouredByNonPrivate(2));
    assertEquals(List.of(both, dpBetter), d.likelyUnderBoth(2));
    assertEquals(3, d.likelyUnderBoth(20).size());
  }

  @Test
  void canaryWindowsCanBeLeftOut() {
    CanaryPlan plan = CanaryPlan.seeded(CanaryFormat.pin(), List.of(1, 4), 2, 9);
    // At window 8 a canary record is cut into two windows ("my pin i", "s 123456\n"): both go.
    List<ScoredWindow> all = new ArrayList<>();
    for (Row r : CanaryWindows.rows(plan, 8)) {
      int[] ids = Arrays.stream(((Vector) r.get(0)).toArray()).mapToInt(d -> (int) d).toArray();
      all.add(new ScoredWindow(ids, -1, -1, 8));
    }
    assertEquals(2 * (2 * 1 + 2 * 4), all.size());
    // A corpus window equal to a canary's (its prefix, "my pin i" and "s") would go too.
    ScoredWindow corpus = new ScoredWindow(TextWindows.of("my pin was 1", 8)[0], -1, -1, 8);
    all.add(corpus);
    assertEquals(List.of(corpus), new Disagreements(all).withoutCanaries(plan, 8).windows());
  }

  @Test
  void aLineShowsBothScoresAndTheTextEscaped() {
    ScoredWindow s = scored(-6, -2, 3);
    assertEquals("abc\n", s.text());
    assertEquals(
        "npLL    -2.000 (-0.6667/char)  dpLL    -6.000 (-2.0000/char)  gap    4.000  abc\\n",
        s.line());
  }

  @Test
  void windowsAreSampledWithoutReplacementAndScoredUnderBothModels() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      int[] w = TextWindows.of("line " + i, LanguageModelScorerTest.WINDOW)[0];
      rows.add(RowFactory.create(Vectors.dense(Arrays.stream(w).asDoubleStream().toArray()), 0.0));
    }
    Dataset<Row> df = SparkTestSession.get().createDataFrame(rows, TextCorpus.schema());
    List<int[]> sample = Disagreements.sample(df, 20, 3);
    Set<String> distinct = new HashSet<>();
    sample.forEach(w -> distinct.add(CharVocabulary.decode(w, 0, w.length)));
    assertEquals(20, distinct.size());
    assertEquals(
        sample.stream().map(Arrays::toString).toList(),
        Disagreements.sample(df, 20, 3).stream().map(Arrays::toString).toList(),
        "the same seed draws the same sample");

    TrainingResult a = LanguageModelScorerTest.untrained(1);
    TrainingResult b = LanguageModelScorerTest.untrained(2);
    List<int[]> windows = new ArrayList<>(sample);
    // A window of padding only has no target: it is left out.
    windows.add(new int[LanguageModelScorerTest.WINDOW + 1]);
    Disagreements d = Disagreements.score(windows, a, b, 7);
    assertEquals(20, d.windows().size());
    for (ScoredWindow s : d.windows()) {
      assertTrue(s.targets() > 0 && s.dpLogLik() < 0 && s.npLogLik() < 0, s.line());
      assertTrue(s.dpLogLik() != s.npLogLik(), "two different models");
    }
    Disagreements same = Disagreements.score(sample, a, a, 7);
    same.windows().forEach(s -> assertEquals(0.0, s.gap(), 1e-12));
  }
}
