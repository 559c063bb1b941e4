package org.sparkdpsgd.ledger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sparkdpsgd.privacy.DpEvent;

/**
 * One run's entries: its reservations (one per attempt; a resumed attempt reserves the crash's
 * extra charge), releases and settlement. A settled run stays charged at what it reserved: a run
 * completes exactly the steps it reserved, and an attempt that charged fewer (it crashed) is
 * charged for all of them, because the ledger cannot know which of its noisy updates were seen.
 */
public final class LedgerRun {
  private final String id;
  private final List<LedgerEntry> entries;

  LedgerRun(String id, List<LedgerEntry> entries) {
    this.id = id;
    this.entries = List.copyOf(entries);
  }

  public String id() {
    return id;
  }

  List<LedgerEntry> entries() {
    return entries;
  }

  private Set<Long> released() {
    Set<Long> s = new HashSet<>();
    for (LedgerEntry e : entries) {
      if (LedgerEntry.RELEASE.equals(e.kind())) {
        s.add(e.releases());
      }
    }
    return s;
  }

  /** Reserves that count (not released), oldest first. */
  List<LedgerEntry> chargedReserves() {
    Set<Long> released = released();
    List<LedgerEntry> out = new ArrayList<>();
    for (LedgerEntry e : entries) {
      if (e.isReserve() && !released.contains(e.seq())) {
        out.add(e);
      }
    }
    return out;
  }

  public List<DpEvent> chargedEvents() {
    return chargedReserves().stream().map(LedgerEntry::event).toList();
  }

  /** Steps of {@code stepEvent} this run's counting reservations cover. */
  long reservedSteps(DpEvent stepEvent) {
    long s = 0;
    for (LedgerEntry e : chargedReserves()) {
      if (e.stepEvent().equals(stepEvent)) {
        s += e.steps();
      }
    }
    return s;
  }

  /** Steps reserved beyond the first attempt's: what crashes cost. */
  public long crashSteps() {
    List<LedgerEntry> r = chargedReserves();
    long s = 0;
    for (int k = 1; k < r.size(); k++) {
      s += r.get(k).steps();
    }
    return s;
  }

  public long reservedSteps() {
    return chargedReserves().stream().mapToLong(LedgerEntry::steps).sum();
  }

  public int attempts() {
    return (int) entries.stream().filter(LedgerEntry::isReserve).count();
  }

  public boolean settled() {
    return entries.stream().anyMatch(e -> LedgerEntry.SETTLE.equals(e.kind()));
  }

  /** settled, released (no reservation counts) or reserved (running, or crashed). */
  public String status() {
    if (settled()) {
      return "settled";
    }
    return chargedReserves().isEmpty() ? "released" : "reserved";
  }

  private LedgerEntry first() {
    return entries.stream().filter(LedgerEntry::isReserve).findFirst().orElse(entries.get(0));
  }

  public String time() {
    return first().time();
  }

  public String user() {
    return first().user();
  }

  public String configSha256() {
    return first().configSha256();
  }

  public String checkpoint() {
    return first().checkpoint();
  }

  /** "1000 × PoissonSampled(q = 0.01, Gaussian(σ = 1.1))" and the crash extras after a "+". */
  public String describeEvents() {
    List<String> parts = new ArrayList<>();
    for (LedgerEntry e : chargedReserves()) {
      parts.add(EventJson.describe(e.event()));
    }
    return parts.isEmpty() ? "nothing" : String.join(" + ", parts);
  }

  /** ε of this run alone at the budget's δ. */
  public double epsilon(LedgerBudget budget) {
    return LedgerState.epsilonOf(budget, chargedEvents());
  }
}
