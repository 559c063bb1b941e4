package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExposureTest {
  @Test
  void rankOneHasTheFullExposureAndRankEqualToTheSpaceHasNone() {
    double log2n = CanaryFormat.pin().log2SpaceSize();
    assertEquals(19.931568569324174, log2n, 1e-12);
    assertEquals(log2n, Exposure.fromRank(log2n, 1), 0);
    assertEquals(0, Exposure.fromRank(log2n, 1e6), 1e-12);
    assertEquals(log2n - 10, Exposure.fromRank(log2n, 1024), 1e-12);
  }

  /** mpmath: (log(n) - loggamma(n + 1) / n) / log(2) at 30 digits. */
  @Test
  void chanceLevelMatchesHighPrecisionValues() {
    assertEquals(0, Exposure.chanceLevel(1), 1e-15);
    assertEquals(0.5, Exposure.chanceLevel(2), 1e-14);
    assertEquals(1.142821983415667, Exposure.chanceLevel(10), 1e-13);
    assertEquals(1.4363862804573135, Exposure.chanceLevel(1000), 1e-12);
    assertEquals(1.4426837493564938, Exposure.chanceLevel(1_000_000), 1e-11);
    assertEquals(1 / Math.log(2), Exposure.CHANCE_LEVEL_LIMIT, 0);
    assertEquals(Exposure.CHANCE_LEVEL_LIMIT, Exposure.chanceLevel(1_000_000_000_000_000L), 1e-9);
  }

  /** The same mean, one rank at a time. */
  @Test
  void chanceLevelIsTheMeanExposureOfAUniformRank() {
    int n = 1000;
    double log2n = Math.log(n) / Math.log(2);
    double sum = 0;
    for (int rank = 1; rank <= n; rank++) {
      sum += Exposure.fromRank(log2n, rank);
    }
    assertEquals(sum / n, Exposure.chanceLevel(n), 1e-12);
  }

  @Test
  void tiesCountHalf() {
    double[] sorted = {1, 2, 2, 3};
    assertEquals(1, Exposure.rankAmong(0.5, sorted), 0);
    assertEquals(2, Exposure.rankAmong(1.5, sorted), 0);
    assertEquals(3, Exposure.rankAmong(2, sorted), 0); // 1 below, 2 ties
    assertEquals(5, Exposure.rankAmong(4, sorted), 0);
    // Everyone alike: the middle rank.
    assertEquals(2.5, Exposure.rankAmong(7, new double[] {7, 7, 7}), 0);
  }
}
