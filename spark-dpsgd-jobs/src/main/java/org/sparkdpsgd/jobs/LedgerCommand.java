package org.sparkdpsgd.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparkdpsgd.ledger.BudgetLedger;
import org.sparkdpsgd.ledger.LedgerBudget;
import org.sparkdpsgd.ledger.LedgerRun;
import org.sparkdpsgd.ledger.LedgerState;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.Knobs;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dpsgd ledger init|show|plan}: a privacy budget shared by the runs over the same data
 * ({@link BudgetLedger}); {@code train} charges it when {@code privacy.ledger} names it.
 */
@Command(
    name = "ledger",
    mixinStandardHelpOptions = true,
    description = "A privacy budget across runs over the same data: init, show, plan.",
    subcommands = {LedgerCommand.Init.class, LedgerCommand.Show.class, LedgerCommand.Plan.class})
final class LedgerCommand implements Callable<Integer> {
  /** Exit code of {@code plan} when the planned run does not fit. */
  static final int DOES_NOT_FIT = 3;

  @Override
  public Integer call() {
    throw new InvalidInputException("ledger: give a subcommand: init, show or plan");
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = "Create a ledger with its total budget (once; it cannot be changed).")
  static final class Init implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "LEDGER", description = "directory on any Hadoop path")
    String location;

    @Option(names = "--epsilon", required = true, description = "total ε of all runs")
    double epsilon;

    @Option(names = "--delta", required = true, description = "δ at which ε is computed")
    double delta;

    @Option(
        names = "--accountant",
        description = "rdp or pld: composes all runs' events (default: ${DEFAULT-VALUE})")
    String accountant = "rdp";

    @Override
    public Integer call() {
      Checks.positive("--epsilon", epsilon);
      Checks.openProbability("--delta", delta);
      BudgetLedger l =
          BudgetLedger.init(
              location,
              HadoopPaths.configuration(),
              epsilon,
              delta,
              AccountantKind.parse(accountant));
      System.out.println("created privacy ledger " + l.location() + ": " + budget(l.budget()));
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Print each run (when, who, config, events, ε) and the budget spent and left.")
  static final class Show implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "LEDGER")
    String location;

    @Override
    public Integer call() {
      BudgetLedger l = BudgetLedger.open(location, HadoopPaths.configuration());
      LedgerState s = l.read();
      LedgerBudget b = l.budget();
      System.out.println("privacy ledger " + l.location() + ": " + budget(b));
      System.out.printf(
          Locale.ROOT,
          "%-8s  %-20s  %-10s  %-12s  %-8s  %9s  %-8s  %s%n",
          "run",
          "when (UTC)",
          "who",
          "config",
          "status",
          "ε alone",
          "crashes",
          "events");
      for (LedgerRun r : s.runs()) {
        System.out.printf(
            Locale.ROOT,
            "%-8s  %-20s  %-10s  %-12s  %-8s  %9.4f  %-8s  %s%n",
            r.id().substring(0, Math.min(8, r.id().length())),
            r.time(),
            r.user(),
            r.configSha256() == null ? "-" : r.configSha256().substring(0, 12),
            r.status(),
            r.epsilon(b),
            r.crashSteps() == 0 ? "-" : "+" + r.crashSteps() + " steps",
            r.describeEvents());
      }
      double spent = s.spentEpsilon();
      System.out.printf(
          Locale.ROOT,
          "spent: ε = %.4f of %s at δ = %s (%s, composed over the events of %d runs); left: ε = %.4f%n",
          spent,
          b.epsilon(),
          b.delta(),
          b.accountant().name().toLowerCase(Locale.ROOT),
          s.runs().size(),
          b.epsilon() - spent);
      return 0;
    }
  }

  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      description =
          "Say whether a run of this config fits the ledger's budget and what ε it would leave"
              + " (exit 0: fits, 3: does not fit, 2: a mistake in the input).")
  static final class Plan implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "LEDGER")
    String location;

    @Option(names = "--config", description = "the run's HOCON config (as for train)")
    String config;

    @Option(names = "--set", description = "override a setting (repeatable), as for train")
    List<String> sets = new ArrayList<>();

    @Option(
        names = "--n",
        description =
            "number of training examples (of users when the config sets data.user-col or"
                + " data.synthetic-users); needed when the config sets"
                + " training.expected-batch-size (q = batch / N)")
    Long n;

    @Override
    public Integer call() {
      JobConfig c = JobConfig.load(config, sets);
      DpSgdConfig dp = TrainerSettings.from(c);
      BudgetLedger l = BudgetLedger.open(location, HadoopPaths.configuration());
      if (dp.isNonPrivate()) {
        System.out.println("a run without privacy (ε = ∞) never fits a privacy budget");
        return DOES_NOT_FIT;
      }
      boolean batch = c.isSet(Knobs.EXPECTED_BATCH_SIZE.key());
      if (batch && n == null) {
        throw new InvalidInputException(
            "--n is required: "
                + Knobs.EXPECTED_BATCH_SIZE.key()
                + " (from "
                + c.origin(Knobs.EXPECTED_BATCH_SIZE.key())
                + ") needs the number of training examples, or of users for user-level privacy"
                + " (q = batch / N)");
      }
      long examples = n == null ? Integer.MAX_VALUE : Checks.positive("--n", n);
      TrainingPlan p = TrainingPlan.resolve(dp, examples);
      BudgetLedger.Plan fit = l.plan(new SelfComposedEvent(p.stepEvent(), (int) p.steps()));
      LedgerBudget b = l.budget();
      System.out.printf(
          Locale.ROOT,
          "planned run: %d steps, q = %.6g, σ = %.4f: ε = %.4f alone at the ledger's δ = %s (%s)%n",
          p.steps(),
          p.samplingRate(),
          p.noiseMultiplier(),
          fit.alone(),
          b.delta(),
          b.accountant().name().toLowerCase(Locale.ROOT));
      System.out.printf(
          Locale.ROOT,
          "privacy ledger %s: ε = %.4f spent by %d runs; with this run ε = %.4f of %s%n",
          l.location(),
          fit.spent(),
          fit.runs(),
          fit.total(),
          b.epsilon());
      if (fit.fits()) {
        System.out.printf(Locale.ROOT, "fits: ε = %.4f would be left%n", fit.left());
        return 0;
      }
      System.out.printf(
          Locale.ROOT, "does not fit: the total would pass the budget by ε = %.4f%n", -fit.left());
      return DOES_NOT_FIT;
    }
  }

  private static String budget(LedgerBudget b) {
    return String.format(
        Locale.ROOT,
        "budget ε = %s at δ = %s (%s accountant), created %s by %s",
        b.epsilon(),
        b.delta(),
        b.accountant().name().toLowerCase(Locale.ROOT),
        b.created(),
        b.user());
  }
}
