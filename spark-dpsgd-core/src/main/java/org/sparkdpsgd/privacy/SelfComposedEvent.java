package org.sparkdpsgd.privacy;

import java.util.Objects;
import org.sparkdpsgd.util.Checks;

/** {@code event} repeated {@code count} times (adaptively). */
public record SelfComposedEvent(DpEvent event, int count) implements DpEvent {
  public SelfComposedEvent {
    Objects.requireNonNull(event, "event");
    Checks.nonNegative("count", count);
  }

  @Override
  public <R> R accept(Visitor<R> visitor) {
    return visitor.selfComposed(this);
  }
}
