package org.sparkdpsgd.privacy;

import java.util.List;

/** The given events applied one after another (adaptively). */
public record ComposedEvent(List<DpEvent> events) implements DpEvent {
  public ComposedEvent {
    events = List.copyOf(events);
  }

  @Override
  public <R> R accept(Visitor<R> visitor) {
    return visitor.composed(this);
  }
}
