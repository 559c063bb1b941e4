package org.sparkdpsgd.jobs;

import java.util.Arrays;

/**
 * Throughput of the bench's rounds, which alternate the runs compared (DP and non-private training,
 * say): round r's DP run is compared with the non-private run right after it, so a disturbance of
 * the shared machine that lasts a round moves one ratio, not the summary. The summary is the median
 * (with min and max) of those per-round ratios; a ratio of summed times would let one slow round
 * move it.
 *
 * @param measured examples/s of each round's run of what is measured (DP)
 * @param baseline examples/s of each round's baseline run (non-private), in the same order
 */
record PairedRounds(double[] measured, double[] baseline) {

  PairedRounds {
    if (measured.length == 0 || measured.length != baseline.length) {
      throw new IllegalArgumentException(
          "need as many measured as baseline rounds, at least one; provided: "
              + measured.length
              + " measured, "
              + baseline.length
              + " baseline");
    }
    measured = measured.clone();
    baseline = baseline.clone();
  }

  int rounds() {
    return measured.length;
  }

  /** Measured examples/s over baseline examples/s, round by round. */
  double[] ratios() {
    double[] r = new double[measured.length];
    for (int k = 0; k < r.length; k++) {
      r[k] = measured[k] / baseline[k];
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

  double measuredMedian() {
    return median(measured);
  }

  double baselineMedian() {
    return median(baseline);
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
