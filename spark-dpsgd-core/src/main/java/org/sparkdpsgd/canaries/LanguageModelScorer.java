package org.sparkdpsgd.canaries;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkdpsgd.audit.CandidateScorer;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.model.WindowScores;
import org.sparkdpsgd.text.TextWindows;
import org.sparkdpsgd.train.TrainingResult;

/**
 * A trained character language model as the Secret Sharer sees it: each text's whole-text
 * log-perplexity (natural log), -Σ log p over the characters after its first and the closing
 * newline, through the same windows training cut the text into ({@link TextWindows}). Scored on the
 * driver, all of one call's windows in one batch.
 */
public final class LanguageModelScorer implements CandidateScorer {
  private final Network net;
  private final int window;

  public LanguageModelScorer(TrainingResult run) {
    this.net = new Network(run.spec(), run.params(), DataType.FLOAT);
    this.window = run.spec().window();
  }

  @Override
  public double[] logPerplexities(List<String> texts) {
    List<int[]> windows = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      for (int[] w : TextWindows.of(texts.get(i), window)) {
        windows.add(w);
        owners.add(i);
      }
    }
    WindowScores s = score(net, windows);
    double[] lp = new double[texts.size()];
    for (int k = 0; k < owners.size(); k++) {
      lp[owners.get(k)] -= s.logLikelihoods()[k];
    }
    return lp;
  }

  /** The windows' scores under {@code net}, in one batch (windows of window + 1 ids each). */
  static WindowScores score(Network net, List<int[]> windows) {
    int width = windows.isEmpty() ? 0 : windows.get(0).length;
    float[] x = new float[windows.size() * width];
    for (int i = 0; i < windows.size(); i++) {
      int[] w = windows.get(i);
      for (int t = 0; t < width; t++) {
        x[i * width + t] = w[t];
      }
    }
    return net.sequenceLogLikelihoods(net.input(x, windows.size()));
  }
}
