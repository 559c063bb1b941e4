package org.sparkdpsgd.train;

import java.io.Serializable;
import java.util.function.Supplier;
import org.apache.spark.broadcast.Broadcast;

/** Gives executors the step's weights from a broadcast variable. */
record BroadcastWeights(Broadcast<double[]> broadcast) implements Supplier<double[]>, Serializable {
  @Override
  public double[] get() {
    return broadcast.value();
  }
}
