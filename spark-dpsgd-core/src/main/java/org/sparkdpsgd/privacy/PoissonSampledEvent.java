package org.sparkdpsgd.privacy;

import java.util.Objects;
import org.sparkdpsgd.util.Checks;

/**
 * {@code event} applied to a Poisson sample: each record included independently with probability q.
 */
public record PoissonSampledEvent(double samplingProbability, DpEvent event) implements DpEvent {
  public PoissonSampledEvent {
    Checks.closedProbability("sampling probability", samplingProbability);
    Objects.requireNonNull(event, "event");
  }

  @Override
  public <R> R accept(Visitor<R> visitor) {
    return visitor.poissonSampled(this);
  }
}
