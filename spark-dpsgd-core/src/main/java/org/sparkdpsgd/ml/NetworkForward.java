package org.sparkdpsgd.ml;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Network;

/**
 * Logits of one example (the per-row path of {@code transform}), in double precision with a network
 * kept per thread: building one allocates native memory, so it is reused for every row a task
 * scores with the same parameters.
 */
final class NetworkForward {
  private record Cached(ModelSpec spec, double[] params, Network network) {}

  private static final ThreadLocal<Cached> CACHE = new ThreadLocal<>();

  private NetworkForward() {}

  static double[] logits(ModelSpec spec, double[] params, double[] x) {
    Cached c = CACHE.get();
    if (c == null || c.params() != params || !c.spec().equals(spec)) {
      c = new Cached(spec, params, new Network(spec, params, DataType.DOUBLE));
      CACHE.set(c);
    }
    return c.network().logits(Nd4j.create(x, new long[] {1, x.length}, 'c')).toDoubleVector();
  }
}
