package org.sparkdpsgd.ledger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sparkdpsgd.privacy.ComposedEvent;
import org.sparkdpsgd.privacy.DpEvent;

/**
 * A ledger as read at one moment: its budget and every entry, oldest first, folded into runs. What
 * counts against the budget is the event of every reserve that was not released, composed by the
 * budget's accountant at the budget's δ (never a sum of ε's, which overstates the composition).
 */
public final class LedgerState {
  private final LedgerBudget budget;
  private final List<LedgerEntry> entries;
  private final Map<String, LedgerRun> runs;

  LedgerState(LedgerBudget budget, List<LedgerEntry> entries) {
    this.budget = budget;
    this.entries = List.copyOf(entries);
    this.runs = fold(this.entries);
  }

  public LedgerBudget budget() {
    return budget;
  }

  /** Runs in the order of their first entry. */
  public List<LedgerRun> runs() {
    return List.copyOf(runs.values());
  }

  long nextSeq() {
    return entries.isEmpty() ? 1 : entries.get(entries.size() - 1).seq() + 1;
  }

  /** Events that count: every reserve not released, in ledger order. */
  public List<DpEvent> chargedEvents() {
    List<DpEvent> out = new ArrayList<>();
    for (LedgerRun r : runs.values()) {
      out.addAll(r.chargedEvents());
    }
    return out;
  }

  /** ε of everything charged so far, at the budget's δ. */
  public double spentEpsilon() {
    return epsilonWith(null);
  }

  /** ε of everything charged plus {@code extra} (null = nothing), at the budget's δ. */
  public double epsilonWith(DpEvent extra) {
    List<DpEvent> all = chargedEvents();
    if (extra != null) {
      all.add(extra);
    }
    return epsilonOf(budget, all);
  }

  static double epsilonOf(LedgerBudget budget, List<DpEvent> events) {
    if (events.isEmpty()) {
      return 0;
    }
    return budget
        .accountant()
        .create()
        .compose(new ComposedEvent(events))
        .getEpsilon(budget.delta());
  }

  /**
   * The newest run still reserved (not settled) whose attempts checkpoint to {@code checkpoint}.
   */
  LedgerRun unfinishedRunWithCheckpoint(String checkpoint) {
    LedgerRun found = null;
    for (LedgerRun r : runs.values()) {
      if (!r.settled() && Objects.equals(checkpoint, r.checkpoint())) {
        found = r;
      }
    }
    return found;
  }

  private static Map<String, LedgerRun> fold(List<LedgerEntry> entries) {
    Map<String, List<LedgerEntry>> byRun = new LinkedHashMap<>();
    for (LedgerEntry e : entries) {
      byRun.computeIfAbsent(e.run(), k -> new ArrayList<>()).add(e);
    }
    Map<String, LedgerRun> out = new LinkedHashMap<>();
    byRun.forEach((id, es) -> out.put(id, new LedgerRun(id, es)));
    return out;
  }
}
