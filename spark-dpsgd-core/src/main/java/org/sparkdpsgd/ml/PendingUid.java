package org.sparkdpsgd.ml;

import org.apache.spark.ml.util.Identifiable;

/**
 * Spark's Scala params are created in the superclass constructor and record {@code uid()} at that
 * moment; Scala sets a {@code val uid} constructor field before the super call, Java cannot. So a
 * Java stage's uid is handed over through this thread-local right before {@code super()} runs.
 */
final class PendingUid {
  private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

  private PendingUid() {}

  /** Remembers {@code uid} for the constructor about to run; returns it for chaining. */
  static String offer(String uid) {
    PENDING.set(uid);
    return uid;
  }

  /** The offered uid, or a fresh random one with this prefix. */
  static String take(String prefix) {
    String uid = PENDING.get();
    PENDING.remove();
    return uid != null ? uid : Identifiable.randomUID(prefix);
  }
}
