package org.sparkdpsgd.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/** User-level statements charge the accountants exactly as example-level ones, N replaced by U. */
class PrivacyStatementTest {
  private static List<String> epsilonLines(String statement) {
    return statement.lines().filter(l -> l.startsWith("  ε = ")).toList();
  }

  @Test
  void userLevelEpsilonsAreTheExampleLevelOnes() {
    double q = 256.0 / 6000;
    String users = PrivacyStatement.describeUsers(q, 1.1, 1407, 1e-5, 6000, true);
    String examples = PrivacyStatement.describe(q, 1.1, 1407, 1e-5, true);
    assertEquals(2, epsilonLines(users).size(), users);
    assertEquals(epsilonLines(examples), epsilonLines(users));
    assertTrue(users.contains("for each user (add or remove all of one user's examples)"), users);
    assertTrue(users.contains("6000 users, q = 0.0426667, expected users per step 256."), users);
    assertThrows(
        InvalidInputException.class,
        () -> PrivacyStatement.describeUsers(q, 1.1, 1407, 1e-5, 0, false));
  }

  @Test
  void deltaWarningOnlyFromOneOverThePopulation() {
    assertNull(PrivacyStatement.deltaWarning(1e-5, 6000, true));
    String w = PrivacyStatement.deltaWarning(1.0 / 6000, 6000, true);
    assertTrue(w.contains("1/U = 0.000166667 (6000 users)"), w);
    assertTrue(w.endsWith("use δ < 1/U"), w);
    w = PrivacyStatement.deltaWarning(0.05, 100, false);
    assertTrue(w.contains("1/N = 0.0100000 (100 examples)") && w.contains("one random example"), w);
  }

  @Test
  void sixDigitsDropsTrailingZeros() {
    assertEquals("256", PrivacyStatement.sixDigits(256.0));
    assertEquals("42.6667", PrivacyStatement.sixDigits(128.0 / 3));
  }
}
