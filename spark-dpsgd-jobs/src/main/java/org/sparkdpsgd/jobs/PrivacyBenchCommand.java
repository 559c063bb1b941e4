package org.sparkdpsgd.jobs;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.PrivacyAccountant;
import org.sparkdpsgd.privacy.RdpAccountant;
import org.sparkdpsgd.train.TrainingPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Time per ε query of the accountants (what the trainer pays per progress line). */
@Command(
    name = "bench-privacy",
    mixinStandardHelpOptions = true,
    description = "Time per epsilon query of the RDP (and PLD) accountants.")
final class PrivacyBenchCommand implements Callable<Integer> {
  @Option(names = "--repeats", description = "queries to time (default 2000)")
  int repeats = 2000;

  @Override
  public Integer call() {
    double q = 256.0 / 60000;
    int steps = 14063;
    // A fresh accountant per query: composing the event (fresh RDP curve) and converting.
    for (int warm = 0; warm < 200; warm++) {
      new RdpAccountant().compose(TrainingPlan.stepEvent(q, 1.1), steps).getEpsilon(1e-5);
    }
    long t0 = System.nanoTime();
    double eps = 0;
    for (int i = 0; i < repeats; i++) {
      eps =
          new RdpAccountant()
              .compose(TrainingPlan.stepEvent(q, 1.1 + i * 1e-9), steps)
              .getEpsilon(1e-5);
    }
    double freshMs = (System.nanoTime() - t0) / 1e6 / repeats;
    double freshEps = eps;
    RdpAccountant running = new RdpAccountant();
    t0 = System.nanoTime();
    for (int i = 0; i < repeats; i++) {
      running.compose(TrainingPlan.stepEvent(q, 1.1));
      eps = running.getEpsilon(1e-5);
    }
    double stepMs = (System.nanoTime() - t0) / 1e6 / repeats;
    System.out.printf(
        Locale.ROOT,
        "RDP: %.4f ms per ε query for a new (q, σ, T) (ε = %.6f at q = 256/60000, σ ≈ 1.1, T = %d); "
            + "%.4f ms per training-step compose + ε query%n",
        freshMs,
        freshEps,
        steps,
        stepMs);
    try {
      PrivacyAccountant pld = AccountantKind.PLD.create();
      t0 = System.nanoTime();
      double e = pld.compose(TrainingPlan.stepEvent(q, 1.1), steps).getEpsilon(1e-5);
      System.out.printf(
          Locale.ROOT,
          "PLD: %.3f s for the %d-step case (ε = %.6f)%n",
          (System.nanoTime() - t0) / 1e9,
          steps,
          e);
    } catch (RuntimeException unavailable) {
      System.out.println("PLD: " + unavailable.getMessage());
    }
    return 0;
  }
}
