package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress lines: no time-left guess from the warm-up step, no loss unless the run leaks it. */
class ConsoleProgressTest {
  static List<String> lines(double loss) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ConsoleProgress p =
        new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), 0, 1e-5);
    // The first step takes 30 s (start-up), every later one 1 s: 20 steps.
    for (int t = 1; t <= 20; t++) {
      p.onStep(new StepMetrics(t, 20, loss, 0.1 * t, 30 + (t - 1), 100));
    }
    return buf.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void timeLeftOnlyAfterAFewStepsAndFromTheStepsAfterTheFirst() {
    List<String> l = lines(Double.NaN);
    assertEquals(20, l.size());
    for (int k = 0; k < ConsoleProgress.STEPS_BEFORE_ESTIMATE; k++) {
      assertFalse(l.get(k).contains("left"), l.get(k));
    }
    // After step 6: 5 measured steps of 1 s each, 14 to go (not 30 s x 14 from the first step).
    assertTrue(l.get(5).endsWith("  14s left"), l.get(5));
    assertFalse(l.get(19).contains("left"), "the last line has nothing left: " + l.get(19));
    assertTrue(l.stream().noneMatch(s -> s.contains("loss")), l.toString());
    assertTrue(l.get(0).startsWith("step 1/20 (5%)  ε 0.100 (δ=1e-05)  100 examples/s"), l.get(0));
  }

  /**
   * dpsgd repeat trains several runs with one listener, each with its own clock: a second run's
   * steps print every 10 s of its own time, with its own estimate (not held back until its clock
   * passes the first run's end, as they once were).
   */
  @Test
  void aSecondRunPrintsFromItsOwnStart() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ConsoleProgress p =
        new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), 10, 1e-5);
    for (int run = 0; run < 2; run++) {
      for (int t = 1; t <= 100; t++) {
        p.onStep(new StepMetrics(t, 100, Double.NaN, 1, 5 * (run == 0 ? 2 : 1) * t, 100));
      }
    }
    List<String> l = buf.toString(StandardCharsets.UTF_8).lines().toList();
    // run 1 (10 s a step): every step; run 2 (5 s a step): steps 1, 3, 5, ..., 99 and 100
    assertEquals(100 + 51, l.size(), l.toString());
    assertTrue(l.get(100).startsWith("step 1/100 "), l.get(100));
    assertTrue(
        l.get(106).startsWith("step 13/100 ") && l.get(106).endsWith("7m15s left"), l.get(106));
  }

  @Test
  void aLeakedLossIsLabelledAsSuch() {
    assertTrue(lines(0.5).get(0).contains("loss 0.5000 (UN-NOISED, LEAKS)"));
  }
}
