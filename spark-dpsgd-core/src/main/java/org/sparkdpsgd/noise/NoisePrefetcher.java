package org.sparkdpsgd.noise;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Draws the next step's noise on a background thread while the cluster computes the current step's
 * sums (noise does not depend on data, and drawing 10^5–10^6 Gaussians securely takes
 * milliseconds). Each drawn vector is handed out exactly once. Close it when training ends.
 */
public final class NoisePrefetcher implements AutoCloseable {
  private final NoiseSource source;
  private final int size;
  private final double stddev;
  private final ExecutorService thread;
  private Future<double[]> next;

  public NoisePrefetcher(NoiseSource source, int size, double stddev) {
    this.source = source;
    this.size = size;
    this.stddev = stddev;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "spark-dpsgd-noise");
              t.setDaemon(true);
              return t;
            });
    this.next = thread.submit(() -> source.sample(size, stddev));
  }

  /** Adds a fresh noise vector to {@code values} and starts drawing the following one. */
  public void addNoise(double[] values) {
    double[] noise;
    try {
      noise = next.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while drawing noise", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("drawing noise failed", e.getCause());
    }
    next = thread.submit(() -> source.sample(size, stddev));
    source.add(values, noise, stddev);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
