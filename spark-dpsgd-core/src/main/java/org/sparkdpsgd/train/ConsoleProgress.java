package org.sparkdpsgd.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints a progress line every {@code everySeconds} seconds and at the last step: step/total,
 * loss, ε spent so far, examples per second and time left. Never prints the sampled count.
 */
public final class ConsoleProgress implements ProgressListener {
  private final PrintStream out;
  private final double everySeconds;
  private final double delta;
  private double lastPrinted = Double.NEGATIVE_INFINITY;

  public ConsoleProgress(PrintStream out, double everySeconds, double delta) {
    this.out = out;
    this.everySeconds = everySeconds;
    this.delta = delta;
  }

  @Override
  public void onStep(StepMetrics m) {
    boolean last = m.step() == m.totalSteps();
    if (!last && m.elapsedSeconds() - lastPrinted < everySeconds) {
      return;
    }
    lastPrinted = m.elapsedSeconds();
    double left = m.elapsedSeconds() / m.step() * (m.totalSteps() - m.step());
    out.printf(Locale.ROOT, "step %d/%d (%.0f%%)  loss %.4f  ε %s (δ=%.0e)  %.0f examples/s  %s left%n",
        m.step(), m.totalSteps(), 100.0 * m.step() / m.totalSteps(), m.loss(),
        Double.isInfinite(m.epsilon()) ? "∞" : String.format(Locale.ROOT, "%.3f", m.epsilon()),
        delta, m.examplesPerSecond(), duration(left));
    out.flush();
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
