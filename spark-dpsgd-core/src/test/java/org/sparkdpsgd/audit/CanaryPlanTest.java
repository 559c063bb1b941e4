package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.CryptoRandom;
import org.sparkdpsgd.util.InvalidInputException;

class CanaryPlanTest {
  private static final CanaryFormat PIN = CanaryFormat.pin();

  private static CanaryPlan standard(long seed) {
    return CanaryPlan.seeded(
        PIN, CanaryPlan.STANDARD_INSERTIONS, CanaryPlan.STANDARD_CANARIES_PER_COUNT, seed);
  }

  @Test
  void theFormatNumbersItsSecrets() {
    assertEquals(1_000_000, PIN.spaceSize());
    assertEquals("my pin is 000042", PIN.text(42));
    assertEquals("999999", PIN.secret(999_999));
    assertEquals("my pin is ______", PIN.describe());
    assertEquals(1_000_000_000_000_000_000L, new CanaryFormat("x", 18).spaceSize());
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> new CanaryFormat("x", 19));
    assertEquals("canary digits must be in 1..18; provided value: 19", e.getMessage());
  }

  @Test
  void sameSeedSameCanariesOtherSeedOthers() {
    assertEquals(standard(1), standard(1));
    assertNotEquals(standard(1).canaries(), standard(2).canaries());
  }

  @Test
  void threeCanariesPerCountWithDistinctSecretsAndTheirCopies() {
    CanaryPlan plan = standard(3);
    assertEquals(List.of(1, 4, 16, 64), plan.insertionCounts());
    assertEquals(12, plan.canaries().size());
    Set<String> secrets = new HashSet<>();
    for (Canary c : plan.canaries()) {
      assertTrue(secrets.add(c.secret()), "secrets repeat");
      assertEquals(6, c.secret().length());
      assertEquals(PIN.text(c.index()), c.text());
      assertEquals(PIN.prefix() + c.secret(), c.text());
    }
    for (int count : plan.insertionCounts()) {
      assertEquals(3, plan.canaries().stream().filter(c -> c.insertions() == count).count());
    }
    List<String> records = plan.trainingRecords();
    assertEquals(3 * (1 + 4 + 16 + 64), records.size());
    for (Canary c : plan.canaries()) {
      assertEquals(c.insertions(), Collections.frequency(records, c.text()));
    }
  }

  @Test
  void printingACanaryOrAPlanShowsNoSecret() {
    CanaryPlan plan = standard(4);
    String printed = plan.toString() + plan.canaries();
    for (Canary c : plan.canaries()) {
      assertFalse(printed.contains(c.secret()), printed);
    }
  }

  @Test
  void refusesMoreCanariesThanSecretsAndRepeatedCounts() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> CanaryPlan.seeded(new CanaryFormat("x", 1), List.of(1, 4, 16, 64), 3, 1));
    assertEquals(
        "12 canaries do not have distinct secrets among 10; add digits to the canary format",
        e.getMessage());
    assertThrows(InvalidInputException.class, () -> CanaryPlan.seeded(PIN, List.of(4, 4), 1, 1));
    // All ten secrets of a one-digit space can be used.
    CanaryPlan full = CanaryPlan.seeded(new CanaryFormat("x", 1), List.of(1, 2), 5, 1);
    assertEquals(10, full.canaries().stream().map(Canary::secret).distinct().count());
  }

  /**
   * Secrets are uniform: the first digit of 12 x 5,000 secrets, chi-square with 9 degrees of
   * freedom at a false-failure rate of 1e-6 (the streams are seeded: the rate of an unlucky seed).
   */
  @Test
  void secretsAreUniform() {
    long[] counts = new long[10];
    for (long seed = 0; seed < 5_000; seed++) {
      for (Canary c : standard(seed).canaries()) {
        counts[c.secret().charAt(0) - '0']++;
      }
    }
    assertUniform(counts);
  }

  /**
   * Floyd's subsets: each of 10 numbers is in a 3-subset with probability 3/10 (the same test;
   * conservative here, as cells of draws without replacement vary less than multinomial ones).
   */
  @Test
  void subsetsAreUniformAndDistinct() {
    CryptoRandom random =
        CryptoRandom.derived("canary-plan-test", "s".getBytes(StandardCharsets.UTF_8), 1);
    long[] counts = new long[10];
    for (int t = 0; t < 100_000; t++) {
      long[] s = UniformIndices.subset(random, 10, 3);
      assertEquals(3, java.util.Arrays.stream(s).distinct().count());
      for (long x : s) {
        counts[(int) x]++;
      }
    }
    assertUniform(counts);
  }

  private static void assertUniform(long[] counts) {
    double total = java.util.Arrays.stream(counts).sum();
    double expected = total / counts.length;
    double chi2 = 0;
    for (long c : counts) {
      chi2 += (c - expected) * (c - expected) / expected;
    }
    double critical =
        new ChiSquaredDistribution(counts.length - 1).inverseCumulativeProbability(1 - 1e-6);
    assertTrue(chi2 < critical, "chi-square " + chi2 + " >= " + critical);
  }
}
