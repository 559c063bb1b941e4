package org.sparkdpsgd.privacy;

/** A release without any privacy guarantee (ε = ∞). */
public record NonPrivateEvent() implements DpEvent {
  @Override
  public <R> R accept(Visitor<R> visitor) {
    return visitor.nonPrivate();
  }
}
