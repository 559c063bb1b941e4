package org.sparkdpsgd.jobs;

import java.util.Locale;
import org.sparkdpsgd.data.FashionMnist;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Where the training and test data come from, and what is known about them before reading a row.
 * Only Fashion-MNIST has defaults (the Debian package's directory, 10 classes): for files of your
 * own, a forgotten {@code --test} must not silently read something else, and the number of classes
 * must not be read off the private labels.
 */
record DataPaths(String format, String train, String test) {
  static DataPaths of(JobConfig c) {
    String format = c.string("data.format").trim().toLowerCase(Locale.ROOT);
    boolean known = isFashionMnist(format);
    String train = c.isSet("data.train") ? c.string("data.train") : null;
    String test = c.isSet("data.test") ? c.string("data.test") : null;
    if (train == null || train.isBlank()) {
      if (!known) {
        throw new InvalidInputException(
            "data.train is not set: give the training data with --train PATH"
                + " (format "
                + format
                + ")");
      }
      train = FashionMnist.DEBIAN_DIR;
    }
    if (test == null) {
      if (!known) {
        throw new InvalidInputException(
            "data.test is not set: give the test data with --test PATH, or"
                + " --test '' to train without a test set (format "
                + format
                + ")");
      }
      test = train; // the IDX directory holds both splits
    }
    return new DataPaths(format, train, test.isBlank() ? null : test);
  }

  static boolean isFashionMnist(String format) {
    return format.equals("fashion-mnist") || format.equals("mnist") || format.equals("idx");
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
   * so only the other formats can evaluate on the training data by mistake.
   */
  boolean testIsTrainingData() {
    return test != null && !isFashionMnist(format) && normalise(test).equals(normalise(train));
  }

  private static String normalise(String path) {
    String p = path.startsWith("file:") ? path.substring(5) : path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
