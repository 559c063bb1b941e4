package org.sparkdpsgd.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.aggregate.StepWeights;
import org.sparkdpsgd.data.ExampleBlock;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * The cluster part of one step: broadcast the weights (as floats unless the step computes in
 * double), let every block add its sampled, clipped gradients to an aggregator, bring the
 * aggregators to the driver, destroy the broadcast. Returns sums; noise and scaling happen on the
 * driver.
 *
 * <p>With few partitions (where Spark's treeAggregate would add no intermediate level either) the
 * step is one plain job whose task results the driver merges as they arrive: treeAggregate would
 * compute the same, but it wraps the functions in Scala closures that Spark's ClosureCleaner
 * re-parses from RDD's bytecode on every call and clones the zero value through the serialiser,
 * which cost milliseconds per step. Our functions are plain serialisable classes, which the cleaner
 * leaves alone. Many partitions go through treeAggregate, so the driver does not receive every
 * task's sum. In the plain job a task with several cores ({@code spark.task.cpus}) splits its
 * blocks over them ({@link ClippedGradientAggregator#addAll}); treeAggregate's tasks add block by
 * block on one thread.
 */
public final class DistributedStep {
  private DistributedStep() {}

  public static ClippedGradientAggregator run(
      JavaRDD<ExampleBlock> blocks, StepContext context, double[] weights, int depth) {
    return run(blocks, context, weights, depth, new StepTimings());
  }

  static ClippedGradientAggregator run(
      JavaRDD<ExampleBlock> blocks,
      StepContext context,
      double[] weights,
      int depth,
      StepTimings timings) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(blocks.context());
    long t0 = System.nanoTime();
    Broadcast<StepWeights> broadcast = jsc.broadcast(StepWeights.forStep(context, weights));
    timings.addBroadcast(System.nanoTime() - t0);
    try {
      ClippedGradientAggregator zero =
          ClippedGradientAggregator.of(context, new BroadcastValue<>(broadcast));
      if (!needsTree(blocks.getNumPartitions(), depth)) {
        return oneJob(blocks, zero);
      }
      return blocks.treeAggregate(
          zero, ClippedGradientAggregator::add, ClippedGradientAggregator::merge, depth);
    } finally {
      broadcast.destroy(false);
    }
  }

  /**
   * Spark's own rule (RDD.treeAggregate): with scale = max(⌈P^(1/depth)⌉, 2), a level is added
   * while P > scale + ⌈P / scale⌉.
   */
  public static boolean needsTree(int partitions, int depth) {
    if (depth < 2) {
      return false;
    }
    int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
    return partitions > scale + (int) Math.ceil((double) partitions / scale);
  }

  private static ClippedGradientAggregator oneJob(
      JavaRDD<ExampleBlock> blocks, ClippedGradientAggregator zero) {
    SparkContext sc = blocks.context();
    Merged merged = new Merged();
    sc.runJob(
        blocks.rdd(),
        new AddPartition(zero),
        new MergeResult(merged),
        ClassTag$.MODULE$.apply(ClippedGradientAggregator.class));
    return merged.total != null ? merged.total : zero; // zero: the RDD has no partitions
  }

  /** The task: a copy of the (empty) zero aggregator adds every block of the partition. */
  private static final class AddPartition
      extends AbstractFunction2<TaskContext, Iterator<ExampleBlock>, ClippedGradientAggregator>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final ClippedGradientAggregator zero;

    AddPartition(ClippedGradientAggregator zero) {
      this.zero = zero;
    }

    @Override
    public ClippedGradientAggregator apply(TaskContext task, Iterator<ExampleBlock> it) {
      // zero arrives deserialised, a fresh copy per task.
      if (task.cpus() > 1) { // a task with several cores splits its blocks over them
        List<ExampleBlock> blocks = new ArrayList<>();
        JavaConverters.asJavaIterator(it).forEachRemaining(blocks::add);
        return zero.addAll(blocks, task.cpus());
      }
      return it.foldLeft(zero, new AddBlock());
    }
  }

  private static final class AddBlock
      extends AbstractFunction2<
          ClippedGradientAggregator, ExampleBlock, ClippedGradientAggregator> {
    @Override
    public ClippedGradientAggregator apply(ClippedGradientAggregator a, ExampleBlock b) {
      return a.add(b);
    }
  }

  /** The driver's running merge (the handler runs on the driver only, one call at a time). */
  private static final class Merged {
    ClippedGradientAggregator total;
  }

  /** Driver side: merges each task's aggregator as it arrives. Never serialised to executors. */
  private static final class MergeResult
      extends AbstractFunction2<Object, ClippedGradientAggregator, BoxedUnit> {
    private final Merged merged;

    MergeResult(Merged merged) {
      this.merged = merged;
    }

    @Override
    public BoxedUnit apply(Object partition, ClippedGradientAggregator result) {
      merged.total = merged.total == null ? result : merged.total.merge(result);
      return BoxedUnit.UNIT;
    }
  }
}
