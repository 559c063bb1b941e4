package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `dpsgd privacy` and `dpsgd calibrate` print the pinned dp_accounting numbers. */
class PrivacyCliTest {
  @TempDir Path dir;

  @Test
  void privacyStatementForTheMnistTutorialSetting() {
    CliRunner.Result r =
        CliRunner.run(
            "privacy",
            "--n",
            "60000",
            "--batch-size",
            "256",
            "--noise-multiplier",
            "1.1",
            "--epochs",
            "60",
            "--delta",
            "1e-5",
            "--no-pld");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("14063 steps"), r.out());
    assertTrue(r.out().contains("ε = 2.59666 by RDP"), r.out());
    assertTrue(r.out().contains("order 8.10000"), r.out());
    assertTrue(
        r.out().contains("Poisson sampling") && r.out().contains("add-or-remove-one"), r.out());
  }

  /**
   * With microbatches the statement is the one for σ/2 (sensitivity 2C, as TF Privacy's
   * compute_dp_sgd_privacy with used_microbatching): the same ε as the per-example statement at σ =
   * 0.55, and it says why.
   */
  @Test
  void microbatchedStatementIsAccountedWithHalfTheNoiseMultiplier() {
    String[] common = {"--n", "60000", "--batch-size", "256", "--epochs", "60", "--no-pld"};
    CliRunner.Result micro =
        CliRunner.run(
            concat("privacy", "--noise-multiplier", "1.1", "--num-microbatches", "16", common));
    CliRunner.Result halved =
        CliRunner.run(concat("privacy", "--noise-multiplier", "0.55", common));
    assertEquals(0, micro.exitCode(), micro.err());
    String eps = halved.out().lines().filter(l -> l.contains("by RDP")).findFirst().orElseThrow();
    assertTrue(micro.out().contains(eps), micro.out() + "\nvs\n" + halved.out());
    assertTrue(micro.out().contains("16 microbatches per step"), micro.out());
    assertTrue(micro.out().contains("σ/2 = 0.550000"), micro.out());
    CliRunner.Result bad =
        CliRunner.run(
            concat("privacy", "--noise-multiplier", "1.1", "--num-microbatches", "5000", common));
    assertTrue(bad.exitCode() != 0);
    assertTrue(bad.err().contains("--num-microbatches must be in [0, 4096]"), bad.err());
  }

  private static String[] concat(String a, String b, String c, String... rest) {
    return concat(new String[] {a, b, c}, rest);
  }

  private static String[] concat(String a, String b, String c, String d, String e, String... rest) {
    return concat(new String[] {a, b, c, d, e}, rest);
  }

  private static String[] concat(String[] head, String[] tail) {
    String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }

  @Test
  void calibrateJson() throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "calibrate",
            "--target-epsilon",
            "3",
            "--delta",
            "1e-5",
            "--n",
            "60000",
            "--batch-size",
            "256",
            "--epochs",
            "60",
            "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out().strip());
    assertEquals(1.0140209571034289, json.get("noise_multiplier").asDouble(), 1e-6);
    assertTrue(json.get("epsilon").asDouble() <= 3.0);
    assertEquals(14063, json.get("steps").asLong());
  }

  @Test
  void batchTableKeepsRowOrderAndWritesInfinity() throws Exception {
    Path in =
        Files.writeString(
            dir.resolve("plan.csv"),
            "q,noise_multiplier,steps,delta\n0.01,1.0,1000,1e-5\n0.01,0,10,1e-5\n0.004266666666666667,1.3,3516,1e-5\n");
    CliRunner.Result r = CliRunner.run("privacy", "--batch", in.toString());
    assertEquals(0, r.exitCode(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals("q,noise_multiplier,steps,delta,epsilon_rdp,best_order", lines[0]);
    assertEquals(4, lines.length);
    String[] first = lines[1].split(",");
    assertEquals(2.101366525420273, Double.parseDouble(first[4]), 1e-9 * 2.1);
    assertEquals(7.8, Double.parseDouble(first[5]), 1e-12);
    assertEquals("Infinity", lines[2].split(",")[4]);
    assertEquals(0.9545639531461374, Double.parseDouble(lines[3].split(",")[4]), 1e-9);
  }

  @Test
  void pldColumnAndStatement() throws Exception {
    Path in =
        Files.writeString(
            dir.resolve("pld.csv"), "q,noise_multiplier,steps,delta\n1.0,1.0,1,1e-5\n");
    CliRunner.Result r = CliRunner.run("privacy", "--batch", in.toString(), "--pld");
    assertEquals(0, r.exitCode(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals("q,noise_multiplier,steps,delta,epsilon_rdp,best_order,epsilon_pld", lines[0]);
    assertEquals(4.3771781000473124, Double.parseDouble(lines[1].split(",")[6]), 1e-6);
    CliRunner.Result s =
        CliRunner.run(
            "privacy",
            "--sampling-rate",
            "0.0042666666666666667",
            "--steps",
            "14063",
            "--noise-multiplier",
            "1.1");
    assertTrue(s.out().contains("ε = 2.38178 by PLD"), s.out());
  }

  @Test
  void badRowsAreNamedByLine() throws Exception {
    Path in =
        Files.writeString(
            dir.resolve("bad.csv"),
            "q,noise_multiplier,steps,delta\n0.01,1.0,1000,1e-5\n2,1,10,1e-5\n");
    String e = CliErrorsTest.userError("privacy", "--batch", in.toString());
    assertTrue(e.contains("line 3") && e.contains("2.0"), e);
  }
}
