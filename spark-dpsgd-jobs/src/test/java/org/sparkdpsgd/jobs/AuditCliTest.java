package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.train.TestingLies;

/**
 * `dpsgd audit --mode one-run` end to end on CSV data: audit.json, the plot, the verdict on an
 * honest run and on one that lies through the testing switch, and the one-line errors.
 *
 * <p>A run of 2,000 rows, q = 0.1, 100 steps claiming ε = 2 at δ = 1e-6, 1,000 canaries, 300
 * guesses each way, bound at confidence 0.999: the honest assertion fails with probability at most
 * 1e-3 (the bound's validity). Lying (a tenth of the noise), an included canary scores 10 ± 3.2 C
 * against 0 ± 1.2 C for an absent one, and fewer than 553 right guesses of 600 (where the bound
 * drops to 2) would need dozens of included canaries sampled at most twice (probability 3e-3 each,
 * about 1.4 expected): below 1e-6.
 */
class AuditCliTest {
  @TempDir Path dir;

  @AfterEach
  void honestAgain() {
    System.clearProperty(TestingLies.NOISE_SCALE);
  }

  Path config() throws IOException {
    Path train = CliTrainTest.csv(dir, "train.csv", 2000, 1);
    Path test = CliTrainTest.csv(dir, "test.csv", 500, 2);
    Path conf = dir.resolve("audit.conf");
    Files.writeString(
        conf,
        """
        data { format = csv, train = "%s", test = "%s", num-classes = 3 }
        model { hidden = [8] }
        privacy { l2-norm-clip = 1.0, target-epsilon = 2.0, delta = 1e-6 }
        training { expected-batch-size = 200, epochs = 10, learning-rate = 1.0 }
        progress-seconds = 0
        """
            .formatted(train, test));
    return conf;
  }

  CliRunner.Result audit(Path conf, String out, String... more) {
    String[] base = {
      "audit",
      "--config",
      conf.toString(),
      "--output",
      dir.resolve(out).toString(),
      "--canaries",
      "1000",
      "--guesses",
      "300",
      "--confidence",
      "0.999"
    };
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return CliRunner.run(args);
  }

  @Test
  void anHonestRunWritesItsBoundBesideTheClaimAndAPlot() throws IOException {
    CliRunner.Result r = audit(config(), "honest");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("consistent with the claim"), r.out());
    assertTrue(r.out().contains("test accuracy"), r.out());
    JsonNode one =
        new ObjectMapper().readTree(dir.resolve("honest/audit.json").toFile()).get("one_run");
    assertEquals(1000, one.get("canaries").asInt());
    assertEquals(600, one.get("guesses").asInt());
    assertEquals(2.0, one.get("claimed_epsilon").asDouble(), 1e-3);
    assertEquals(1e-6, one.get("delta").asDouble(), 0.0);
    double bound = one.get("epsilon_lower_bound").asDouble();
    assertTrue(bound >= 0 && bound <= 2.0, "bound " + bound);
    assertFalse(one.get("contradicts_claim").asBoolean());
    assertTrue(one.get("threat_model").asText().startsWith("white-box"));
    byte[] png = Files.readAllBytes(dir.resolve("honest/one-run.png"));
    assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
  }

  @Test
  void aRunThatAddsATenthOfItsNoiseIsCaught() throws IOException {
    System.setProperty(TestingLies.NOISE_SCALE, "0.1");
    CliRunner.Result r = audit(config(), "lie");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("THIS RUN LIES"), r.out());
    assertTrue(r.out().contains("THE MEASURED BOUND EXCEEDS THE CLAIM"), r.out());
    JsonNode one =
        new ObjectMapper().readTree(dir.resolve("lie/audit.json").toFile()).get("one_run");
    assertTrue(one.get("epsilon_lower_bound").asDouble() > 2.0, one.toString());
    assertTrue(one.get("contradicts_claim").asBoolean());
  }

  @Test
  void mistakesAreOneLineErrorsBeforeAnyTraining() throws IOException {
    Path conf = config();
    CliRunner.Result mode = audit(conf, "m", "--mode", "membership");
    assertEquals(2, mode.exitCode());
    assertEquals(
        "dpsgd: error: --mode must be one-run or mia; provided value: membership",
        mode.err().strip());
    CliRunner.Result guesses =
        CliRunner.run(
            "audit",
            "--config",
            conf.toString(),
            "--output",
            dir.resolve("g").toString(),
            "--canaries",
            "1000",
            "--guesses",
            "501");
    assertEquals(2, guesses.exitCode());
    assertTrue(guesses.err().strip().contains("--guesses must be in 1..500"), guesses.err());
    CliRunner.Result np = audit(conf, "np", "--set", "training.no-privacy=true");
    assertEquals(2, np.exitCode());
    assertTrue(np.err().contains("audit needs a private config"), np.err());
    for (CliRunner.Result r : new CliRunner.Result[] {mode, guesses, np}) {
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertFalse(r.out().contains("step 1/"), r.out());
    }
  }
}
