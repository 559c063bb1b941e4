package org.sparkdpsgd.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Blocks whose rows came from the driver's memory (a local DataFrame, {@code parallelize}), served
 * to the executors through one broadcast variable per block. Why not keep the parallelized lineage:
 * its partitions carry the rows, so every task of every step would ship the data again. Why not
 * {@code localCheckpoint()}: it keeps each block on one executor only, and losing that executor
 * fails the run. Here a task carries only broadcast handles; the driver keeps every broadcast until
 * {@link #close()}, so a block lost with its executor is fetched again and is bit-for-bit the same
 * block (same id, same rows, hence the same Poisson sample).
 */
final class DriverBlocks implements AutoCloseable {
  private final List<Broadcast<ExampleBlock>> broadcasts;
  private final JavaRDD<ExampleBlock> rdd;

  private DriverBlocks(List<Broadcast<ExampleBlock>> broadcasts, JavaRDD<ExampleBlock> rdd) {
    this.broadcasts = broadcasts;
    this.rdd = rdd;
  }

  /**
   * Broadcasts {@code blocks} (in this order) and spreads them over {@code partitions} partitions.
   */
  static DriverBlocks distribute(JavaSparkContext jsc, List<ExampleBlock> blocks, int partitions) {
    List<Broadcast<ExampleBlock>> handles = new ArrayList<>(blocks.size());
    for (ExampleBlock b : blocks) {
      handles.add(jsc.broadcast(b));
    }
    int slices = Math.max(1, Math.min(partitions, handles.size()));
    JavaRDD<ExampleBlock> rdd = jsc.parallelize(handles, slices).map(Broadcast::value);
    return new DriverBlocks(handles, rdd);
  }

  JavaRDD<ExampleBlock> rdd() {
    return rdd;
  }

  @Override
  public void close() {
    for (Broadcast<ExampleBlock> b : broadcasts) {
      b.destroy(false);
    }
  }
}
