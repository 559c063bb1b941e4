package org.sparkdpsgd.jobs;

import java.util.Arrays;

/**
 * Throughput of the bench's rounds, which alternate DP and non-private training: round r's DP run
 * is compared with the non-private run right after it, so a disturbance of the shared machine that
 * lasts a round moves one ratio, not the summary. The summary is the median (with min and max) of
 * those per-round ratios; a ratio of summed times would let one slow round move it.
 *
 * @param dpPerSecond examples/s of each round's DP run
 * @param plainPerSecond examples/s of each round's non-private run, in the same order
 */
record PairedRounds(double[] dpPerSecond, double[] plainPerSecond) {

  PairedRounds {
    if (dpPerSecond.length == 0 || dpPerSecond.length != plainPerSecond.length) {
      throw new IllegalArgumentException(
          "need as many DP as non-private rounds, at least one; provided: "
              + dpPerSecond.length
              + " DP, "
              + plainPerSecond.length
              + " non-private");
    }
    dpPerSecond = dpPerSecond.clone();
    plainPerSecond = plainPerSecond.clone();
  }

  int rounds() {
    return dpPerSecond.length;
  }

  /** DP examples/s over non-private examples/s, round by round. */
  double[] ratios() {
    double[] r = new double[dpPerSecond.length];
    for (int k = 0; k < r.length; k++) {
      r[k] = dpPerSecond[k] / plainPerSecond[k];
    }
    return r;
  }

  double ratioMedian() {
    return median(ratios());
  }

  double ratioMin() {
    return Arrays.stream(ratios()).min().orElseThrow();
  }

  double ratioMax() {
    return Arrays.stream(ratios()).max().orElseThrow();
  }

  double dpMedian() {
    return median(dpPerSecond);
  }

  double plainMedian() {
    return median(plainPerSecond);
  }

  /** The middle value; for an even count, the mean of the two middle values. */
  static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("the median of no values is undefined");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
