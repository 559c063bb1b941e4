package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.audit.CanaryFormat;
import org.sparkdpsgd.audit.Exposure;
import org.sparkdpsgd.canaries.SecretSharer;

/**
 * Record-level DP ({@code data.user-col = record}) hides secrets repeated up to 64 times, where
 * example-level DP at the same noise does not: a canary's copies are one record's text, one unit,
 * instead of 64 units that DP protects only as a group. Both runs: the tiny corpus of {@link
 * CanariesCliTest}, σ = {@value #SIGMA}, the same seed; the record-level run is (ε = 2.36, δ =
 * 1e-5)-DP per record (374 records), the example-level one ε = 1.78 per window (a group of 64
 * windows: no meaningful bound).
 *
 * <p>False failures. A model that ranks the 12 canaries uniformly gives each an exposure of Exp(1)
 * / ln 2 bits: their mean exceeds chance + 2 bits with probability 1.5e-4 (a Gamma(12, 1) variable
 * above 28.6), and the mean of the 6 inserted 16 and 64 times exceeds chance + 3 with probability
 * 2.2e-4 (a Gamma(6, 1) above 18.5). ε = 2.36 lets a DP model make an event at most e^ε ≈ 10.6
 * times likelier (plus δ): at most 1.6e-3 and 2.3e-3 in the worst case. Measured in five runs: the
 * record-level means 1.12-1.93 bits over all 12 and 1.07-2.34 over the 6, against 3.44 and 4.44;
 * the example-level run's canaries inserted 64 times at the sample's ceiling, 10.96 bits, in each
 * run whose value was recorded (bound: above chance + 3). Without the grouping (the first run's
 * {@code data.user-col} removed, by hand) the first assertion failed: 4.47 bits over all 12, 6.91
 * over the 6. At σ = 15 the example-level exposure at 64 copies varied from 2.8 to 7.5 bits between
 * runs: too close to chance to contrast.
 */
class RecordLevelCanariesCliTest {
  static final double SIGMA = 5;

  @TempDir Path dir;

  /** {@code unit}: what the DP model's progress rate counts, " users/s" or " examples/s". */
  private JsonNode run(String name, String unit, String... sets) throws IOException {
    Path conf = CanariesCliTest.corpus(dir);
    Path out = dir.resolve(name);
    String[] args = {
      "canaries",
      "--config",
      conf.toString(),
      "--output",
      out.toString(),
      "--candidates",
      "2000",
      "--seed",
      "5",
      "--set",
      "privacy.noise-multiplier=" + SIGMA
    };
    String[] all = java.util.Arrays.copyOf(args, args.length + sets.length);
    System.arraycopy(sets, 0, all, args.length, sets.length);
    CliRunner.Result r = CliRunner.run(all);
    assertEquals(0, r.exitCode(), r.err());
    System.out.print(r.out());
    // The DP model's progress counts what each step samples: records (users) when they are the
    // unit. (The non-private model, ε ∞, has no unit to protect and samples windows.)
    List<String> progress =
        r.out().lines().filter(l -> l.startsWith("step ") && !l.contains("ε ∞")).toList();
    assertFalse(progress.isEmpty(), r.out());
    assertTrue(progress.stream().allMatch(l -> l.contains(unit)), unit + ": " + progress);
    return OutputWriter.JSON.readTree(out.resolve("canaries.json").toFile());
  }

  @Test
  void recordLevelDpHidesARepeatedSecretThatExampleLevelDpDoesNot() throws IOException {
    double chance = Exposure.chanceLevel(CanaryFormat.pin().spaceSize());
    JsonNode records = run("records", " users/s", "--set", "data.user-col=record");
    JsonNode examples = run("examples", " examples/s");
    double recordLevel = CanariesCliTest.meanExposureAtLeast(records, SecretSharer.PRIVATE, 1);
    double recordLevel16 = CanariesCliTest.meanExposureAtLeast(records, SecretSharer.PRIVATE, 16);
    double exampleLevel = CanariesCliTest.meanExposureAtLeast(examples, SecretSharer.PRIVATE, 64);
    double nonPrivate = CanariesCliTest.meanExposureAtLeast(records, SecretSharer.NON_PRIVATE, 16);
    System.out.printf(
        "record-level canaries test: chance %.2f, record-level DP (all) %.2f (16+: %.2f),"
            + " example-level DP (64) %.2f, non-private (16+) %.2f%n",
        chance, recordLevel, recordLevel16, exampleLevel, nonPrivate);
    assertTrue(recordLevel < chance + 2, "record-level DP exposure " + recordLevel);
    assertTrue(recordLevel16 < chance + 3, "record-level DP exposure, 16+ copies " + recordLevel16);
    assertTrue(exampleLevel > chance + 3, "example-level DP exposure " + exampleLevel);
    assertTrue(nonPrivate > chance + 5, "non-private exposure " + nonPrivate);
    // The record-level run's unit is a record (grouped as users are), the other's a window.
    assertTrue(
        records.get("dp_run").get("privacy_unit").asText().startsWith("user-level"),
        records.get("dp_run").toString());
    assertTrue(
        examples.get("dp_run").get("privacy_unit").asText().startsWith("example-level"),
        examples.get("dp_run").toString());
  }
}
