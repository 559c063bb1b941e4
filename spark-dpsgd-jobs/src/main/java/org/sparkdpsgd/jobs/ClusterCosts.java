package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.aggregate.StepWeights;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.train.ClusterSteps;
import org.sparkdpsgd.train.StepTimings;
import scala.reflect.ClassTag$;

/**
 * What one step costs on whatever Spark runs the bench (local[N] or a cluster under spark-submit):
 * the fixed cost of a step whose sample is empty (broadcast, one task per partition, tree
 * aggregation, nothing computed), the bytes a step broadcasts and aggregates (task results as Spark
 * measures them), and the executors' BLAS/OpenMP thread setting.
 */
final class ClusterCosts {
  private final SparkSession spark;
  private final AtomicLong resultBytes = new AtomicLong();
  private volatile boolean counting = false;

  ClusterCosts(SparkSession spark) {
    this.spark = spark;
    spark
        .sparkContext()
        .addSparkListener(
            new SparkListener() {
              @Override
              public void onTaskEnd(SparkListenerTaskEnd end) {
                if (counting && end.taskMetrics() != null) {
                  resultBytes.addAndGet(end.taskMetrics().resultSize());
                }
              }
            });
  }

  /**
   * Milliseconds per step of {@code steps} steps with sampling rate 0: the cost no sample size
   * removes.
   */
  double emptyStepMillis(
      JavaRDD<ExampleBlock> blocks,
      long rows,
      ModelSpec spec,
      double[] params,
      int depth,
      boolean residentTasks,
      int steps) {
    SamplingKey key = SamplingKey.secure();
    StepContext settings = new StepContext(spec, 1.0, 0.0, key, 0, false, rows);
    StepTimings timings = new StepTimings();
    try (ClusterSteps cluster =
        ClusterSteps.open(blocks, settings, depth, residentTasks, n -> {})) {
      for (int t = 1; t <= 3; t++) { // warm-up
        cluster.run(settings.atStep(t), params, timings);
      }
      long t0 = System.nanoTime();
      for (int t = 4; t < 4 + steps; t++) {
        cluster.run(settings.atStep(t), params, timings);
      }
      return (System.nanoTime() - t0) / 1e6 / steps;
    }
  }

  /**
   * What Spark's block managers hold of the cached training blocks (its estimate of the objects on
   * the heap, as its web UI shows it; for many blocks per partition it extrapolates from a sample
   * of them), and the exact size of the blocks' feature and label arrays.
   */
  record Cached(
      long memoryBytes,
      long diskBytes,
      int partitionsCached,
      int partitions,
      long arrayBytes,
      long rows) {
    double bytesPerRow() {
      return (double) (memoryBytes + diskBytes) / rows;
    }

    double arrayBytesPerRow() {
      return (double) arrayBytes / rows;
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "cached %,d bytes in memory, %,d on disk (%d of %d partitions): %.1f bytes per row"
              + " (Spark's estimate; the feature and label arrays are %.1f bytes per row)",
          memoryBytes,
          diskBytes,
          partitionsCached,
          partitions,
          bytesPerRow(),
          arrayBytesPerRow());
    }

    void put(ObjectNode json) {
      json.put("cached_memory_bytes", memoryBytes);
      json.put("cached_disk_bytes", diskBytes);
      json.put("cached_bytes_per_row", Math.round(bytesPerRow() * 10) / 10.0);
      json.put("array_bytes_per_row", Math.round(arrayBytesPerRow() * 10) / 10.0);
    }
  }

  /** Storage of the persisted (and materialised) {@code blocks} of {@code rows} rows. */
  Cached cached(JavaRDD<ExampleBlock> blocks, long rows) {
    long arrays =
        blocks.map(b -> 4L * b.features().length + 4L * b.labels().length).fold(0L, Long::sum);
    waitForListeners(); // storage status is updated from block manager events
    for (org.apache.spark.storage.RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
      if (info.id() == blocks.id()) {
        return new Cached(
            info.memSize(),
            info.diskSize(),
            info.numCachedPartitions(),
            info.numPartitions(),
            arrays,
            rows);
      }
    }
    return new Cached(0, 0, 0, blocks.getNumPartitions(), arrays, rows);
  }

  /** Counts task result bytes from now on (on) or stops counting (off). */
  void counting(boolean on) {
    waitForListeners();
    counting = on;
  }

  /** Results that resident tasks sent over their own connections (Spark's metrics miss them). */
  void addResidentResultBytes(long bytes) {
    resultBytes.addAndGet(bytes);
  }

  /** Bytes the tasks of the counted steps sent back to the driver, per step. */
  double resultBytesPerStep(long steps) {
    waitForListeners();
    return (double) resultBytes.get() / steps;
  }

  /**
   * Serialised size of the weights one executor fetches per step: the broadcast value, as a float
   * step sends it ({@link StepWeights}).
   */
  static long broadcastBytes(double[] params) {
    return SparkEnv.get()
        .serializer()
        .newInstance()
        .serialize(StepWeights.asFloats(params), ClassTag$.MODULE$.apply(StepWeights.class))
        .remaining();
  }

  int executors() {
    // The driver's block manager is listed too, except in local mode where it is the only one.
    int n = spark.sparkContext().getExecutorMemoryStatus().size();
    return spark.sparkContext().isLocal() ? 1 : Math.max(1, n - 1);
  }

  /** OMP_NUM_THREADS as the tasks see it (distinct values; "unset" if absent). */
  List<String> executorOmpThreads(JavaRDD<ExampleBlock> blocks) {
    return blocks
        .map(b -> String.valueOf(System.getenv().getOrDefault("OMP_NUM_THREADS", "unset")))
        .distinct()
        .collect();
  }

  void put(
      ObjectNode json,
      int partitions,
      double emptyMs,
      double[] params,
      double resultBytesPerStep,
      List<String> omp) {
    json.put("master", spark.sparkContext().master());
    json.put("executors", executors());
    json.put("partitions", partitions);
    json.put("empty_step_ms", Math.round(emptyMs * 10) / 10.0);
    json.put("broadcast_bytes_per_executor_per_step", broadcastBytes(params));
    json.put("aggregated_bytes_per_step", Math.round(resultBytesPerStep));
    json.putPOJO("executor_omp_num_threads", omp);
  }

  static String describe(double emptyMs, long broadcast, double aggregated) {
    return String.format(
        Locale.ROOT,
        "fixed cost of a step (empty sample): %.1f ms; per step: %,d bytes broadcast"
            + " to each executor, %,.0f bytes of task results aggregated",
        emptyMs,
        broadcast,
        aggregated);
  }

  private void waitForListeners() {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Spark's listener bus did not drain", e);
    }
  }
}
