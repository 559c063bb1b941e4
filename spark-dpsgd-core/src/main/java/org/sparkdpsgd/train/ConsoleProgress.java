package org.sparkdpsgd.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints a progress line every {@code everySeconds} seconds and at the last step: step/total, ε
 * spent so far, examples per second and, once a few steps have run, the time left. The training
 * loss appears only in runs that leak it on purpose (it is not noised). Never prints the sampled
 * count.
 */
public final class ConsoleProgress implements ProgressListener {
  /**
   * Before this many steps the first steps' start-up costs (JIT, caching) dominate any estimate.
   */
  static final int STEPS_BEFORE_ESTIMATE = 5;

  private final PrintStream out;
  private final double everySeconds;
  private final double delta;
  private double lastPrinted = Double.NEGATIVE_INFINITY;
  private double lastSeen = Double.NEGATIVE_INFINITY;
  private long firstStep = -1;
  private double firstStepEnd;
  private final String units;

  public ConsoleProgress(PrintStream out, double everySeconds, double delta) {
    this(out, everySeconds, delta, "examples");
  }

  private ConsoleProgress(PrintStream out, double everySeconds, double delta, String units) {
    this.out = out;
    this.everySeconds = everySeconds;
    this.delta = delta;
    this.units = units;
  }

  /**
   * Progress of a run of {@code plan}: its δ, and what its rate counts: examples, or users when the
   * plan samples users (user-level privacy: the rate is the expected batch per second).
   */
  public static ConsoleProgress of(PrintStream out, double everySeconds, TrainingPlan plan) {
    return new ConsoleProgress(
        out, everySeconds, plan.delta(), plan.userLevel() ? "users" : "examples");
  }

  @Override
  public void onStep(StepMetrics m) {
    if (m.elapsedSeconds() < lastSeen) {
      // A new run (dpsgd repeat trains several with one listener): its clock starts again.
      lastPrinted = Double.NEGATIVE_INFINITY;
      firstStep = -1;
    }
    lastSeen = m.elapsedSeconds();
    if (firstStep < 0) {
      firstStep = m.step();
      firstStepEnd = m.elapsedSeconds();
    }
    boolean last = m.step() == m.totalSteps();
    if (!last && m.elapsedSeconds() - lastPrinted < everySeconds) {
      return;
    }
    lastPrinted = m.elapsedSeconds();
    out.println(line(m));
    out.flush();
  }

  String line(StepMetrics m) {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "step %d/%d (%.0f%%)",
                m.step(),
                m.totalSteps(),
                100.0 * m.step() / m.totalSteps()));
    if (!Double.isNaN(m.loss())) {
      b.append(String.format(Locale.ROOT, "  loss %.4f (UN-NOISED, LEAKS)", m.loss()));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "  ε %s (δ=%.0e)  %.0f %s/s",
            Double.isInfinite(m.epsilon()) ? "∞" : String.format(Locale.ROOT, "%.3f", m.epsilon()),
            delta,
            m.examplesPerSecond(),
            units));
    long measured = m.step() - firstStep;
    if (measured >= STEPS_BEFORE_ESTIMATE && m.step() < m.totalSteps()) {
      // From the steps after the first: the first one pays for warming up.
      double perStep = (m.elapsedSeconds() - firstStepEnd) / measured;
      b.append("  ").append(duration(perStep * (m.totalSteps() - m.step()))).append(" left");
    }
    return b.toString();
  }

  @Override
  public void onNote(String note) {
    out.println(note);
    out.flush();
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 60 ? (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s" : s + "s";
  }
}
