package org.sparkdpsgd.data;

import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.spark.SparkEnv;
import org.apache.spark.rdd.ParallelCollectionRDD;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag$;

/**
 * How many bytes of rows a task reading a DataFrame carries with it. Rows parallelized from the
 * driver's memory (a local DataFrame, {@code parallelize}) live in the partition objects, and Spark
 * sends a task's partition with the task: cached blocks keep that lineage, so every task of every
 * step would ship them again. Measured, not guessed from the plan: a lineage that starts from a
 * parallelized list of chunk numbers (such as the Fashion-MNIST reader's) carries almost nothing.
 */
final class RowsInTasks {
  /** Above this, rows are served from broadcasts instead (Spark itself warns at 1000 KiB). */
  static final long LIMIT_BYTES = 256 * 1024;

  private RowsInTasks() {}

  /**
   * The serialised size of the largest of the first partitions of any parallelized ancestor reached
   * through narrow dependencies (those partitions are inside the tasks of {@code rdd}).
   */
  static long largestPartitionBytes(RDD<?> rdd) {
    long largest = 0;
    Deque<RDD<?>> todo = new ArrayDeque<>();
    todo.push(rdd);
    while (!todo.isEmpty()) {
      RDD<?> r = todo.pop();
      if (r instanceof ParallelCollectionRDD<?> p) {
        largest = Math.max(largest, sampledPartitionBytes(p));
      }
      scala.collection.Iterator<org.apache.spark.Dependency<?>> deps = r.dependencies().iterator();
      while (deps.hasNext()) {
        org.apache.spark.Dependency<?> d = deps.next();
        // Past a shuffle, tasks read shuffle output; the rows before it do not travel with them.
        if (d instanceof org.apache.spark.NarrowDependency<?>) {
          todo.push(d.rdd());
        }
      }
    }
    return largest;
  }

  private static long sampledPartitionBytes(ParallelCollectionRDD<?> rdd) {
    org.apache.spark.Partition[] parts = rdd.partitions();
    long largest = 0;
    // Parallelize splits evenly: the first two partitions tell the size without serialising all.
    for (int k = 0; k < Math.min(2, parts.length); k++) {
      largest =
          Math.max(
              largest,
              SparkEnv.get()
                  .closureSerializer()
                  .newInstance()
                  .serialize(parts[k], ClassTag$.MODULE$.apply(org.apache.spark.Partition.class))
                  .remaining());
    }
    return largest;
  }
}
