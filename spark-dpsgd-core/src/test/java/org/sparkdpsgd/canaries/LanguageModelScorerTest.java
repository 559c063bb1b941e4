package org.sparkdpsgd.canaries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.model.WindowScores;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.text.TextWindows;
import org.sparkdpsgd.train.TrainingResult;

/**
 * A text's log-perplexity is -Σ log p over all the windows it is cut into, and does not depend on
 * the other texts of the batch (a canary is compared with candidates scored in other batches).
 */
class LanguageModelScorerTest {
  static final int WINDOW = 8;

  static TrainingResult untrained(long seed) {
    ModelSpec spec =
        ModelSpec.languageModel(
            WINDOW,
            CharVocabulary.SIZE,
            List.of(
                new LayerSpec.Embedding(4),
                new LayerSpec.CausalConv1D(6, 3, 1),
                LayerSpec.Activate.tanh()));
    return new TrainingResult(spec, spec.initialParams(seed), null, List.of(), 0, null);
  }

  @Test
  void aTextScoresTheSumOverItsWindows() {
    TrainingResult run = untrained(5);
    String text = "my pin is 012345, and a longer tail";
    int[][] windows = TextWindows.of(text, WINDOW);
    assertTrue(windows.length > 2);
    Network exact = new Network(run.spec(), run.params(), DataType.DOUBLE);
    WindowScores s = LanguageModelScorer.score(exact, List.of(windows));
    double want = 0;
    int targets = 0;
    for (int k = 0; k < windows.length; k++) {
      want -= s.logLikelihoods()[k];
      targets += s.targets()[k];
    }
    assertEquals(text.length(), targets, "every character after the first, and the newline");
    double got = new LanguageModelScorer(run).logPerplexities(List.of(text))[0];
    assertEquals(want, got, 1e-5 * Math.abs(want));
    // An untrained model is close to uniform over the vocabulary.
    assertEquals(targets * Math.log(CharVocabulary.SIZE), got, 0.2 * got);
  }

  @Test
  void aTextScoresTheSameInAnyBatch() {
    LanguageModelScorer scorer = new LanguageModelScorer(untrained(6));
    List<String> texts = List.of("my pin is 000001", "a", "my pin is 999999 and more text here");
    double[] together = scorer.logPerplexities(texts);
    for (int i = 0; i < texts.size(); i++) {
      double alone = scorer.logPerplexities(List.of(texts.get(i)))[0];
      assertEquals(alone, together[i], 1e-5 * Math.abs(alone), texts.get(i));
    }
  }
}
