package org.sparkdpsgd.privacy;

import java.util.List;

/**
 * Keeps track of the privacy spent by a sequence of {@link DpEvent}s. {@link #compose} checks the
 * whole event before it changes any state: an unsupported event leaves the accountant as it was and
 * throws.
 */
public interface PrivacyAccountant {
  PrivacyAccountant compose(DpEvent event);

  default PrivacyAccountant compose(DpEvent event, int count) {
    return compose(new SelfComposedEvent(event, count));
  }

  boolean supports(DpEvent event);

  /** The smallest ε such that the composed events are (ε, δ)-DP. */
  double getEpsilon(double delta);

  /** The smallest δ such that the composed events are (ε, δ)-DP. */
  double getDelta(double epsilon);

  /** Composed events, oldest first; consecutive repeats are merged into one SelfComposedEvent. */
  List<DpEvent> history();

  /** "rdp" or "pld". */
  String name();
}
