package org.sparkdpsgd.train;

import java.io.Serializable;
import java.util.function.Supplier;
import org.apache.spark.broadcast.Broadcast;

/** Gives executors a broadcast variable's value (the step's or the evaluation's weights). */
record BroadcastValue<T>(Broadcast<T> broadcast) implements Supplier<T>, Serializable {
  @Override
  public T get() {
    return broadcast.value();
  }
}
