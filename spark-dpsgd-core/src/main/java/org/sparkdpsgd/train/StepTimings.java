package org.sparkdpsgd.train;

import java.io.Serializable;
import java.util.Locale;

/**
 * Where the time of the steps went: the Spark job (broadcast, sampling, per-example gradients, tree
 * aggregation), privacy accounting, noise, and the optimizer update on the driver.
 */
public final class StepTimings implements Serializable {
  private long steps;
  private long clusterNanos;
  private long broadcastNanos;
  private long sumNanos;
  private long accountingNanos;
  private long noiseNanos;
  private long updateNanos;
  private long residentResultBytes;

  /** The Spark job of one step. */
  void addCluster(long nanos) {
    steps++;
    clusterNanos += nanos;
  }

  /** Of the Spark job: creating the weights' broadcast (already counted in {@link #addCluster}). */
  void addBroadcast(long nanos) {
    broadcastNanos += nanos;
  }

  /** Rounding the tasks' sums to the grid and reading them out, on the driver. */
  void addSum(long nanos) {
    sumNanos += nanos;
  }

  /** Task results a resident step received (per-step jobs' results are Spark's to count). */
  void addResidentResultBytes(long bytes) {
    residentResultBytes += bytes;
  }

  /** Bytes of task results received by resident steps (0 for steps run as Spark jobs). */
  public long residentResultBytes() {
    return residentResultBytes;
  }

  /** The driver's part of one step (see {@link DpStep}). */
  void addDriver(long accounting, long noise, long update) {
    accountingNanos += accounting;
    noiseNanos += noise;
    updateNanos += update;
  }

  public double clusterMillisPerStep() {
    return perStep(clusterNanos);
  }

  public double driverMillisPerStep() {
    return perStep(accountingNanos + noiseNanos + updateNanos);
  }

  private double perStep(long nanos) {
    return steps == 0 ? 0 : nanos / 1e6 / steps;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "per step: Spark job %.1f ms (broadcast %.1f ms), sums %.1f ms, accounting %.2f ms,"
            + " noise %.1f ms, update %.1f ms",
        perStep(clusterNanos),
        perStep(broadcastNanos),
        perStep(sumNanos),
        perStep(accountingNanos),
        perStep(noiseNanos),
        perStep(updateNanos));
  }
}
