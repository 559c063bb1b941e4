package org.sparkdpsgd.privacy;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The record of composed events, kept compact: composing the same step event 100,000 times leaves
 * one {@code SelfComposedEvent(step, 100000)}, not 100,000 entries.
 */
final class EventHistory implements Serializable {
  private final List<DpEvent> events = new ArrayList<>();

  void add(DpEvent event) {
    DpEvent base = event;
    long count = 1;
    if (event instanceof SelfComposedEvent s) {
      base = s.event();
      count = s.count();
    }
    if (count == 0 || base instanceof NoOpEvent) {
      return;
    }
    int last = events.size() - 1;
    if (last >= 0) {
      DpEvent prev = events.get(last);
      DpEvent prevBase = prev instanceof SelfComposedEvent ps ? ps.event() : prev;
      long prevCount = prev instanceof SelfComposedEvent ps ? ps.count() : 1;
      if (prevBase.equals(base) && prevCount + count <= Integer.MAX_VALUE) {
        events.set(last, new SelfComposedEvent(base, (int) (prevCount + count)));
        return;
      }
    }
    events.add(count == 1 ? base : new SelfComposedEvent(base, (int) count));
  }

  List<DpEvent> list() {
    return Collections.unmodifiableList(new ArrayList<>(events));
  }
}
