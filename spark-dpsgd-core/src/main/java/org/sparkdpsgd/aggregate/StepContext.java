package org.sparkdpsgd.aggregate;

import java.io.Serializable;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.SamplingKey;

/**
 * What every executor needs to know about one step, besides the weights.
 *
 * @param l2NormClip the clipping bound C, or {@code Double.POSITIVE_INFINITY} for the
 *     non-private baseline (no clipping)
 * @param samplingRate q, the probability that each example is in this step's sample
 */
public record StepContext(
    ModelSpec spec, double l2NormClip, double samplingRate, SamplingKey samplingKey, long step,
    boolean useDouble) implements Serializable {

  public boolean clipping() {
    return !Double.isInfinite(l2NormClip);
  }
}
