package org.sparkdpsgd.ledger;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.PrivacyLedger;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * A privacy budget shared by every run over the same data (or population), kept in a directory on
 * any Hadoop path that renames atomically (HDFS) or on a local disk:
 *
 * <pre>
 *   budget.json         ε, δ and accountant; written once ({@link #init}), never changed
 *   entry-000001.json   one file per reservation, release or settlement ({@link LedgerEntry})
 *   entry-000002.json   ...
 * </pre>
 *
 * <p><b>Reserving (optimistic concurrency).</b> A run lists the entries, composes the events of all
 * reservations that count with its own by the budget's accountant, and refuses itself if the ε at
 * the budget's δ would pass the budget. Otherwise it claims the NEXT sequence number: its entry is
 * written under a temporary name and put in place only if {@code entry-<next>.json} is still free
 * ({@link LedgerFiles#claim}: an atomic rename on HDFS, a hard link on local disks). If another run
 * claimed that number first, the reserver lists again and checks again with the newcomer counted.
 * Entries are never removed, so the numbers are dense: the entry that claims n was checked against
 * exactly entries 1..n-1, and two runs cannot both pass a budget that fits only one. The file name
 * is the sequence number alone (the run id is inside): names that also held the run id would let
 * two runs claim the same number.
 *
 * <p><b>Crashes.</b> A reservation covers every step an attempt will run and is written before its
 * first step; a crash leaves it charged. A resumed attempt (its checkpoints say earlier attempts
 * charged k steps) finds its run by the checkpoint directory and reserves only what the run's
 * reservations do not already cover: k + the steps it will run − reserved so far, which is the
 * checkpoints' crash charge. An attempt that fails before charging any step releases its own
 * reservation (a release entry); one killed before it could do so stays charged (conservative).
 * Settlement records that the run completed; it never lowers a charge.
 *
 * <p>An entry that cannot be read stops every reservation with an error: the ledger does not guess
 * what a damaged entry charged.
 */
public final class BudgetLedger {
  private static final String BUDGET = "budget.json";
  private static final int MAX_CLAIMS = 1000;
  private final LedgerFiles files;
  private final LedgerBudget budget;

  private BudgetLedger(LedgerFiles files, LedgerBudget budget) {
    this.files = files;
    this.budget = budget;
  }

  /** Creates a ledger with its total budget; refuses if {@code location} already holds one. */
  public static BudgetLedger init(
      String location, Configuration hadoop, double epsilon, double delta, AccountantKind kind) {
    return init(new LedgerFiles(location, hadoop), epsilon, delta, kind);
  }

  static BudgetLedger init(LedgerFiles files, double epsilon, double delta, AccountantKind kind) {
    LedgerBudget b = new LedgerBudget(epsilon, delta, kind, now(), user());
    try {
      files.mkdirs();
      if (!files.list(LedgerEntry.NAME_REGEX).isEmpty() || !files.claim(BUDGET, b.toJson())) {
        throw new InvalidInputException(
            "privacy ledger "
                + files.location()
                + " already exists; a budget is set once (use another path for another budget)");
      }
    } catch (IOException e) {
      throw cannotUse(files, e);
    }
    return new BudgetLedger(files, b);
  }

  /** An existing ledger; a user error if there is none at {@code location}. */
  public static BudgetLedger open(String location, Configuration hadoop) {
    return open(new LedgerFiles(location, hadoop));
  }

  /** For tests: the ledger through a file system instance of the caller's (a second client). */
  static BudgetLedger open(FileSystem fs, String location) {
    return open(new LedgerFiles(fs, location));
  }

  static BudgetLedger open(LedgerFiles files) {
    try {
      byte[] b = files.read(BUDGET);
      if (b == null) {
        throw new InvalidInputException(
            "privacy ledger "
                + files.location()
                + " does not exist (no budget.json); create it with: dpsgd ledger init "
                + files.location()
                + " --epsilon E --delta D");
      }
      return new BudgetLedger(files, LedgerBudget.fromJson(b));
    } catch (IOException e) {
      throw cannotUse(files, e);
    }
  }

  public String location() {
    return files.location();
  }

  public LedgerBudget budget() {
    return budget;
  }

  /** Every entry as of now. */
  public LedgerState read() {
    List<String> names;
    try {
      names = files.list(LedgerEntry.NAME_REGEX);
    } catch (IOException e) {
      throw cannotUse(files, e);
    }
    names.sort(Comparator.comparingLong(LedgerEntry::seqOf));
    List<LedgerEntry> entries = new ArrayList<>();
    for (String name : names) {
      try {
        LedgerEntry e = LedgerEntry.fromJson(files.read(name));
        if (e.seq() != LedgerEntry.seqOf(name)) {
          throw new IOException("it says it is entry " + e.seq());
        }
        entries.add(e);
      } catch (IOException | RuntimeException e) {
        throw new InvalidInputException(
            "privacy ledger "
                + location()
                + ": "
                + name
                + " cannot be read ("
                + LedgerFiles.firstLine(e)
                + "); the ledger does not guess what a damaged entry charged: restore it from a copy");
      }
    }
    return new LedgerState(budget, entries);
  }

  /** What adding {@code event} would do, without recording anything. */
  public Plan plan(DpEvent event) {
    LedgerState s = read();
    double spent = s.spentEpsilon();
    double total = s.epsilonWith(event);
    double alone = LedgerState.epsilonOf(budget, List.of(event));
    return new Plan(budget, spent, alone, total, s.runs().size());
  }

  /**
   * @param spent ε of what the ledger holds now
   * @param alone ε of the planned event alone
   * @param total ε of both composed (at most spent + alone, usually less)
   */
  public record Plan(LedgerBudget budget, double spent, double alone, double total, int runs) {
    public boolean fits() {
      return total <= budget.epsilon();
    }

    /** The budget ε minus the total: what later runs may still spend (by this measure). */
    public double left() {
      return budget.epsilon() - total;
    }

    String refusal(String location) {
      return String.format(
          Locale.ROOT,
          "privacy ledger %s refuses this run: it would bring the total to ε = %.4g at δ = %s (%s),"
              + " over the budget ε = %s (ε = %.4g spent by %d runs; this run alone ε = %.4g);"
              + " nothing was reserved",
          location,
          total,
          budget.delta(),
          budget.accountantName(),
          budget.epsilon(),
          spent,
          runs,
          alone);
    }
  }

  /** The ledger as seen by one run, whose resolved settings hash to {@code configSha256}. */
  public PrivacyLedger forRun(String configSha256) {
    return (stepEvent, earlierSteps, newSteps, checkpoint) ->
        reserve(configSha256, stepEvent, earlierSteps, newSteps, checkpoint);
  }

  private PrivacyLedger.Reservation reserve(
      String configSha256, DpEvent stepEvent, long earlier, long newSteps, String checkpoint) {
    for (int attempt = 0; attempt < MAX_CLAIMS; attempt++) {
      LedgerState s = read();
      String runId = null;
      long steps = earlier + newSteps;
      LedgerRun resumed =
          checkpoint != null && earlier > 0 ? s.unfinishedRunWithCheckpoint(checkpoint) : null;
      if (resumed != null) {
        runId = resumed.id();
        steps = Math.max(0, earlier + newSteps - resumed.reservedSteps(stepEvent));
      } else {
        runId = UUID.randomUUID().toString();
      }
      DpEvent event = new SelfComposedEvent(stepEvent, Math.toIntExact(steps));
      double alone = LedgerState.epsilonOf(budget, List.of(event));
      Plan plan = new Plan(budget, s.spentEpsilon(), alone, s.epsilonWith(event), s.runs().size());
      if (!plan.fits()) {
        throw new InvalidInputException(plan.refusal(location()));
      }
      LedgerEntry entry =
          new LedgerEntry(
              s.nextSeq(),
              LedgerEntry.RESERVE,
              runId,
              now(),
              user(),
              configSha256,
              checkpoint,
              stepEvent,
              steps,
              earlier,
              event,
              alone,
              plan.total(),
              -1);
      if (claim(entry)) {
        return new Held(entry, plan);
      }
      // Another run took this number: list again and check again with it counted.
    }
    throw new IllegalStateException(
        "privacy ledger " + location() + ": no free entry number after " + MAX_CLAIMS + " tries");
  }

  private boolean claim(LedgerEntry entry) {
    try {
      return files.claim(LedgerEntry.fileName(entry.seq()), entry.toJson());
    } catch (IOException e) {
      throw new IllegalStateException(
          "privacy ledger " + location() + ": cannot write an entry: " + e.getMessage(), e);
    }
  }

  /** Appends a release or settle entry at the next free number. */
  private void append(String kind, String run, long steps, long releases) {
    for (int attempt = 0; attempt < MAX_CLAIMS; attempt++) {
      LedgerEntry e =
          new LedgerEntry(
              read().nextSeq(),
              kind,
              run,
              now(),
              user(),
              null,
              null,
              null,
              steps,
              0,
              null,
              Double.NaN,
              Double.NaN,
              releases);
      if (claim(e)) {
        return;
      }
    }
    throw new IllegalStateException(
        "privacy ledger " + location() + ": no free entry number after " + MAX_CLAIMS + " tries");
  }

  private final class Held implements PrivacyLedger.Reservation {
    private final LedgerEntry entry;
    private final Plan plan;

    Held(LedgerEntry entry, Plan plan) {
      this.entry = entry;
      this.plan = plan;
    }

    @Override
    public void release() {
      append(LedgerEntry.RELEASE, entry.run(), 0, entry.seq());
    }

    @Override
    public void settle(long chargedSteps) {
      append(LedgerEntry.SETTLE, entry.run(), chargedSteps, -1);
    }

    @Override
    public String describe() {
      return String.format(
          Locale.ROOT,
          "privacy ledger %s: reserved %d steps (ε = %.4g alone) as %s of run %s; the ledger's"
              + " total is now ε = %.4g of %s at δ = %s (%s)",
          location(),
          entry.steps(),
          entry.epsilon(),
          LedgerEntry.fileName(entry.seq()),
          entry.run(),
          plan.total(),
          budget.epsilon(),
          budget.delta(),
          budget.accountantName());
    }
  }

  private static InvalidInputException cannotUse(LedgerFiles files, IOException e) {
    return new InvalidInputException(
        "privacy ledger " + files.location() + " cannot be used: " + LedgerFiles.firstLine(e), e);
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String user() {
    return System.getProperty("user.name", "unknown");
  }
}
