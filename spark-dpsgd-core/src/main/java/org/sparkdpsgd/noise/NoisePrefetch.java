package org.sparkdpsgd.noise;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the driver draws the next step's noise on a background thread while the step's tasks run
 * ({@link NoisePrefetcher}). Drawing ahead hides the draw (about 15 ms for 200,000 parameters) only
 * if a core is free for it: in Spark's local mode the tasks run in the driver's JVM, and with as
 * many task threads as cores the drawing thread takes a core from a task, which then finishes late
 * and holds up the step. Privacy is the same either way: what is drawn, and how, does not change.
 */
public enum NoisePrefetch {
  /** Ahead unless the master is local with no core left over for the driver. */
  AUTO,
  ON,
  OFF;

  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?");

  public static NoisePrefetch parse(String value, String where) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new org.sparkdpsgd.util.InvalidInputException(
          where + " must be auto, on or off; provided value: '" + value + "'");
    }
  }

  /**
   * @param master Spark's master URL
   * @param driverCores the cores the driver's JVM may use ({@code availableProcessors()})
   */
  public boolean drawAhead(String master, int driverCores) {
    return switch (this) {
      case ON -> true;
      case OFF -> false;
      case AUTO -> localTaskThreads(master, driverCores) < driverCores;
    };
  }

  /**
   * Task threads that share the driver's JVM: N for local[N] (and local[N,F]), all cores for
   * local[*], 1 for local; 0 for any other master (executors are other processes, often other
   * machines).
   */
  static int localTaskThreads(String master, int driverCores) {
    Matcher m = LOCAL.matcher(master.trim());
    if (!m.matches()) {
      return 0;
    }
    if (m.group(1) == null) {
      return 1;
    }
    return m.group(1).equals("*") ? driverCores : Integer.parseInt(m.group(1));
  }
}
