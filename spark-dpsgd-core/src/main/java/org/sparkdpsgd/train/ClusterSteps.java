package org.sparkdpsgd.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.ExampleBlock;

/**
 * How a run's steps reach the cluster: in resident tasks ({@link ResidentSteps}) where they can
 * run, else one Spark job per step ({@link DistributedStep}). Both compute the same sums; the
 * choice and its reason are told once through {@code note}. If the resident tasks cannot all
 * connect before the first step, the run falls back to per-step jobs; nothing was released, so
 * nothing is charged twice.
 */
public final class ClusterSteps implements AutoCloseable {
  private final JavaRDD<ExampleBlock> blocks;
  private final int depth;
  private final Consumer<String> note;
  private final long connectMillis;
  private ResidentSteps resident;
  private int retryResidentAt = 0; // per-step jobs left before resident tasks are tried again

  /** Per-step jobs a run uses after losing its resident tasks before it tries them again. */
  static final int RETRY_AFTER_STEPS = 50;

  private ClusterSteps(
      JavaRDD<ExampleBlock> blocks,
      int depth,
      Consumer<String> note,
      long connectMillis,
      ResidentSteps resident) {
    this.blocks = blocks;
    this.connectMillis = connectMillis;
    this.depth = depth;
    this.note = note;
    this.resident = resident;
  }

  /**
   * @param settings the run's step settings (any step number)
   * @param residentTasks false: one job per step whatever the cluster (training.resident-tasks)
   */
  public static ClusterSteps open(
      JavaRDD<ExampleBlock> blocks,
      StepContext settings,
      int depth,
      boolean residentTasks,
      Consumer<String> note) {
    return open(blocks, settings, depth, residentTasks, note, ResidentSteps.DEFAULT_CONNECT_MILLIS);
  }

  static ClusterSteps open(
      JavaRDD<ExampleBlock> blocks,
      StepContext settings,
      int depth,
      boolean residentTasks,
      Consumer<String> note,
      long connectMillis) {
    String why =
        residentTasks
            ? ResidentSteps.unavailable(blocks, depth)
            : "training.resident-tasks is false";
    if (why != null) {
      note.accept("steps run as one Spark job each: " + why);
      return new ClusterSteps(blocks, depth, note, connectMillis, null);
    }
    try {
      ResidentSteps r = ResidentSteps.start(blocks, settings, connectMillis);
      note.accept(
          "steps run in "
              + blocks.getNumPartitions()
              + " resident tasks (one Spark job for the run; training.resident-tasks)");
      return new ClusterSteps(blocks, depth, note, connectMillis, r);
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the driver's socket for resident tasks", e);
    }
  }

  /** True while the steps run in resident tasks. */
  public boolean resident() {
    return resident != null;
  }

  /** The sums of one step. */
  public ClippedGradientAggregator run(StepContext context, double[] params, StepTimings timings) {
    if (resident == null && retryResidentAt > 0 && --retryResidentAt == 0) {
      reopen(context);
    }
    if (resident != null) {
      try {
        return resident.run(context, params, timings);
      } catch (ResidentSteps.Unavailable e) {
        note.accept("steps run as one Spark job each: " + e.getMessage());
        // Lost after running: try again later. Never connected: the slots were not there.
        retryResidentAt = resident.connectedOnce() ? RETRY_AFTER_STEPS : 0;
        resident.close(1);
        resident = null;
      }
    }
    return DistributedStep.run(blocks, context, params, depth, timings);
  }

  /** After a fallback, resident tasks are tried again when the cluster has the slots again. */
  private void reopen(StepContext context) {
    if (ResidentSteps.unavailable(blocks, depth) != null) {
      retryResidentAt = RETRY_AFTER_STEPS;
      return;
    }
    try {
      resident = ResidentSteps.start(blocks, context, connectMillis);
      note.accept("steps run in resident tasks again");
    } catch (IOException e) {
      retryResidentAt = RETRY_AFTER_STEPS;
    }
  }

  @Override
  public void close() {
    if (resident != null) {
      resident.close();
      resident = null;
    }
  }
}
