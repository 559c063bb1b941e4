package org.sparkdpsgd.jobs;

import java.util.Locale;
import org.sparkdpsgd.data.FashionMnist;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Where the training and test data come from, and what is known about them before reading a row.
 * Only Fashion-MNIST and the fortunes have default paths (the Debian packages' directories): for
 * files of your own, a forgotten {@code --test} must not silently read something else, and the
 * number of classes must not be read off the private labels. A text corpus ({@code text}, {@code
 * fortunes}) holds its own test side, so its test path is its training path unless set.
 */
record DataPaths(String format, String train, String test) {
  static DataPaths of(JobConfig c) {
    String format = c.string("data.format").trim().toLowerCase(Locale.ROOT);
    String train = c.isSet("data.train") ? c.string("data.train") : null;
    String test = c.isSet("data.test") ? c.string("data.test") : null;
    if (train == null || train.isBlank()) {
      String defaultTrain = defaultTrain(format);
      if (defaultTrain == null) {
        throw new InvalidInputException(
            "data.train is not set: give the training data with --train PATH"
                + " (format "
                + format
                + ")");
      }
      train = defaultTrain;
    }
    if (test == null) {
      if (!isFashionMnist(format) && !isTextCorpus(format)) {
        throw new InvalidInputException(
            "data.test is not set: give the test data with --test PATH, or"
                + " --test '' to train without a test set (format "
                + format
                + ")");
      }
      test = train; // the IDX directory, or the corpus, holds both sides
    }
    return new DataPaths(format, train, test.isBlank() ? null : test);
  }

  static boolean isFashionMnist(String format) {
    return format.equals("fashion-mnist") || format.equals("mnist") || format.equals("idx");
  }

  /** A corpus whose records are split into training and test by their text. */
  static boolean isTextCorpus(String format) {
    return format.equals("text") || format.equals("fortunes");
  }

  private static String defaultTrain(String format) {
    if (isFashionMnist(format)) {
      return FashionMnist.DEBIAN_DIR;
    }
    return format.equals("fortunes") ? TextCorpus.FORTUNES_DIR : null;
  }

  /** data.num-classes, or a known dataset's; 0 leaves it to the label column's ML metadata. */
  int numClasses(JobConfig c) {
    int k = c.integer("data.num-classes");
    if (k > 0) {
      return k;
    }
    return isFashionMnist(format) ? FashionMnist.CLASS_NAMES.length : 0;
  }

  /**
   * The same files for training and testing. The IDX directory holds separate train and test files,
   * and a text corpus's two sides never share a record, so only the other formats can evaluate on
   * the training data by mistake.
   */
  boolean testIsTrainingData() {
    return test != null
        && !isFashionMnist(format)
        && !isTextCorpus(format)
        && normalise(test).equals(normalise(train));
  }

  private static String normalise(String path) {
    String p = path.startsWith("file:") ? path.substring(5) : path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
