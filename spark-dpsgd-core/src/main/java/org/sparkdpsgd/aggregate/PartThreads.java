package org.sparkdpsgd.aggregate;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Helper threads of an executor JVM for tasks that own several cores ({@code spark.task.cpus} > 1).
 * They are kept while in use (a cached pool), so each keeps its ND4J network and sums ({@link
 * ExecutorCache} is per thread) from one step to the next.
 */
final class PartThreads {
  private static final ExecutorService POOL =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "spark-dpsgd-task-part");
            t.setDaemon(true);
            return t;
          });

  private PartThreads() {}

  /**
   * Runs every piece of work, the first on the calling thread and the others on helper threads, and
   * returns their results in order. The first failure is rethrown once all have ended; an
   * interrupted caller (Spark killing the task) cancels the helpers' work.
   */
  static <T> List<T> runAll(List<Callable<T>> work) {
    List<Future<T>> helpers = new ArrayList<>();
    for (int k = 1; k < work.size(); k++) {
      helpers.add(POOL.submit(work.get(k)));
    }
    List<T> results = new ArrayList<>();
    RuntimeException failure = null;
    try {
      results.add(work.get(0).call());
    } catch (Exception e) {
      failure = unchecked(e);
    }
    for (Future<T> f : helpers) {
      try {
        results.add(f.get());
      } catch (InterruptedException e) {
        helpers.forEach(h -> h.cancel(true));
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the task's parts were computed", e);
      } catch (ExecutionException e) {
        if (failure == null) {
          failure = unchecked(e.getCause());
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    return results;
  }

  private static RuntimeException unchecked(Throwable e) {
    if (e instanceof RuntimeException r) {
      return r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(e.getMessage(), e);
  }
}
