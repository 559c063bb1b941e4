package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.audit.CanaryFormat;
import org.sparkdpsgd.audit.Exposure;
import org.sparkdpsgd.canaries.SecretSharer;

/**
 * Record-level DP ({@code data.user-col = record}) hides a secret repeated 64 times, where
 * example-level DP at the same noise does not: a canary's copies are one record's text, one unit,
 * instead of 64 units that DP protects only as a group. Both runs: the tiny corpus of {@link
 * CanariesCliTest}, σ = {@value #SIGMA}, the same seed.
 *
 * <p>False failures. Record-level: the DP model's ε per record here is about {@value #EPSILON}, so
 * its exposure of a canary can rise by at most about ε / ln 2 bits over chance in expectation; the
 * mean over the 6 canaries inserted 16 and 64 times exceeds chance + 2 bits with the model ranking
 * them uniformly when a Gamma(6, 1) variable exceeds 1.39·(2 + 1.44)·… (probability below 1e-3 at
 * chance, measured margins in the closing numbers below). Example-level: the group of 64 copies has
 * ε about 64 times larger and the model learns the secret: measured below.
 */
class RecordLevelCanariesCliTest {
  static final double SIGMA = 15;
  static final String EPSILON = "0.5";

  @TempDir Path dir;

  private JsonNode run(String name, String... sets) throws IOException {
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
    return OutputWriter.JSON.readTree(out.resolve("canaries.json").toFile());
  }

  @Test
  void recordLevelDpHidesARepeatedSecretThatExampleLevelDpDoesNot() throws IOException {
    double chance = Exposure.chanceLevel(CanaryFormat.pin().spaceSize());
    JsonNode records = run("records", "--set", "data.user-col=record");
    JsonNode examples = run("examples");
    double recordLevel = CanariesCliTest.meanExposureAtLeast(records, SecretSharer.PRIVATE, 16);
    double exampleLevel = CanariesCliTest.meanExposureAtLeast(examples, SecretSharer.PRIVATE, 64);
    double nonPrivate = CanariesCliTest.meanExposureAtLeast(records, SecretSharer.NON_PRIVATE, 16);
    System.out.printf(
        "record-level canaries test: chance %.2f, record-level DP (16+) %.2f, example-level DP (64)"
            + " %.2f, non-private (16+) %.2f%n",
        chance, recordLevel, exampleLevel, nonPrivate);
    assertTrue(recordLevel < chance + 2, "record-level DP exposure " + recordLevel);
    assertTrue(exampleLevel > chance + 4, "example-level DP exposure " + exampleLevel);
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
