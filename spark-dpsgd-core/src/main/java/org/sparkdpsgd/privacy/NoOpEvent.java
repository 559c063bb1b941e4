package org.sparkdpsgd.privacy;

/** A step that releases nothing about the data. */
public record NoOpEvent() implements DpEvent {
  @Override
  public <R> R accept(Visitor<R> visitor) {
    return visitor.noOp();
  }
}
