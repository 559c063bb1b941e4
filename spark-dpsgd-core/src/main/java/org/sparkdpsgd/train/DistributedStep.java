package org.sparkdpsgd.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.ExampleBlock;

/**
 * The cluster part of one step: broadcast the weights, let every block add its sampled, clipped
 * gradients to an aggregator, tree-aggregate to the driver, destroy the broadcast. Returns sums;
 * noise and scaling happen on the driver.
 */
public final class DistributedStep {
  private DistributedStep() {}

  public static ClippedGradientAggregator run(
      JavaRDD<ExampleBlock> blocks, StepContext context, double[] weights, int depth) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(blocks.context());
    Broadcast<double[]> broadcast = jsc.broadcast(weights);
    try {
      ClippedGradientAggregator zero =
          new ClippedGradientAggregator(context, new BroadcastWeights(broadcast));
      return blocks.treeAggregate(
          zero, ClippedGradientAggregator::add, ClippedGradientAggregator::merge, depth);
    } finally {
      broadcast.destroy(false);
    }
  }
}
