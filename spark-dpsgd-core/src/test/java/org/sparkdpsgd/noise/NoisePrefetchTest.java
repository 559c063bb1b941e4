package org.sparkdpsgd.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

class NoisePrefetchTest {
  @Test
  void autoDrawsAheadOnlyWhenLocalTasksLeaveTheDriverACore() {
    assertFalse(NoisePrefetch.AUTO.drawAhead("local[*]", 2), "local[*]: every core runs a task");
    assertFalse(NoisePrefetch.AUTO.drawAhead("local[2]", 2));
    assertFalse(NoisePrefetch.AUTO.drawAhead("local[4, 3]", 2), "more task threads than cores");
    assertTrue(NoisePrefetch.AUTO.drawAhead("local[2]", 8));
    assertTrue(NoisePrefetch.AUTO.drawAhead("local", 2), "local: one task thread");
    assertFalse(NoisePrefetch.AUTO.drawAhead("local", 1));
    assertTrue(NoisePrefetch.AUTO.drawAhead("spark://host:7077", 2), "executors elsewhere");
    assertTrue(NoisePrefetch.AUTO.drawAhead("local-cluster[2,1,1024]", 2), "executor JVMs");
    assertTrue(NoisePrefetch.ON.drawAhead("local[*]", 2));
    assertFalse(NoisePrefetch.OFF.drawAhead("yarn", 64));
  }

  @Test
  void parseNamesTheValueAndWhereItCameFrom() {
    assertEquals(NoisePrefetch.OFF, NoisePrefetch.parse(" Off ", "--noise-prefetch"));
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> NoisePrefetch.parse("maybe", "--noise-prefetch"));
    assertEquals(
        "--noise-prefetch must be auto, on or off; provided value: 'maybe'", e.getMessage());
  }

  /** Ahead or at the step, the same source gives the same noise in the same order, once each. */
  @Test
  void drawingAheadOrAtTheStepAddsTheSameNoise() {
    NoiseSources.CountingForTesting aheadSource =
        new NoiseSources.CountingForTesting(NoiseSources.seededForTesting(5));
    NoiseSources.CountingForTesting atStepSource =
        new NoiseSources.CountingForTesting(NoiseSources.seededForTesting(5));
    try (NoisePrefetcher ahead = new NoisePrefetcher(aheadSource, 100, 0.5, true);
        NoisePrefetcher atStep = new NoisePrefetcher(atStepSource, 100, 0.5, false)) {
      assertTrue(ahead.drawsAhead());
      assertFalse(atStep.drawsAhead());
      for (int step = 0; step < 3; step++) {
        double[] a = new double[100];
        double[] b = new double[100];
        ahead.addNoise(a);
        atStep.addNoise(b);
        assertArrayEquals(a, b, 0.0, "step " + step);
        assertTrue(a[0] != 0 && a[0] != a[1], "noise was added");
      }
    }
    assertEquals(3, aheadSource.calls());
    assertEquals(3, atStepSource.calls());
  }
}
