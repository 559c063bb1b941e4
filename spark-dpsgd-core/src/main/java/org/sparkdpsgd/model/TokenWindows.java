package org.sparkdpsgd.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A language model's rows split into what the network reads and what it predicts: each row holds T
 * + 1 token ids; the inputs are ids 0..T−1 and the targets ids 1..T (the next token at every
 * position). Id {@link #PAD} pads a record's last window and is never a target.
 */
record TokenWindows(INDArray inputs, int[] targets, int window) {
  /**
   * The padding id, {@code org.sparkdpsgd.text.CharVocabulary.PAD} (model sits below text and does
   * not import it; SequenceModelTest checks that the two agree).
   */
  static final int PAD = 0;

  /** Rows [m × (window + 1)] of ids below {@code vocabulary}; inputs in the rows' type. */
  static TokenWindows of(INDArray rows, int window, int vocabulary) {
    int m = (int) rows.size(0);
    int width = window + 1;
    if (rows.length() != (long) m * width) {
      throw new IllegalArgumentException(
          "rows of " + rows.length() / Math.max(1, m) + " ids for windows of " + width);
    }
    double[] v = Arrays2.flat(rows);
    double[] inputs = new double[m * window];
    int[] targets = new int[m * window];
    for (int i = 0; i < m; i++) {
      int from = i * width;
      tokenId(v[from], vocabulary);
      for (int t = 0; t < window; t++) {
        inputs[i * window + t] = v[from + t];
        targets[i * window + t] = tokenId(v[from + t + 1], vocabulary);
      }
    }
    INDArray in = Nd4j.createUninitialized(rows.dataType(), m, window);
    Arrays2.write(inputs, 0, in);
    return new TokenWindows(in, targets, window);
  }

  /**
   * A value as a token id; anything else is refused (an out-of-range id would index outside the
   * embedding table). The message leaves the value out: it is a training example's content.
   */
  static int tokenId(double value, int vocabulary) {
    if (!(value >= 0 && value < vocabulary) || value != Math.rint(value)) {
      throw new IllegalArgumentException(
          "a token id is not a whole number in 0.." + (vocabulary - 1));
    }
    return (int) value;
  }

  /** How many targets of example i are not padding. */
  int targetCount(int i) {
    int n = 0;
    for (int t = i * window; t < (i + 1) * window; t++) {
      n += targets[t] == PAD ? 0 : 1;
    }
    return n;
  }
}
