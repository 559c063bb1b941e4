package org.sparkdpsgd.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NoisePrefetcherTest {
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
