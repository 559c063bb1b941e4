package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.train.StepMetrics;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.InvalidInputException;

/** `dpsgd bench` on synthetic data: its JSON summary and its one-line errors. */
class BenchCliTest {
  @Test
  void benchOnSyntheticDataReportsMediansOfRoundsAndCachedBytes() throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "bench",
            "--model",
            "logreg",
            "--synthetic",
            "3000x5,6000x5",
            "--batch-size",
            "100",
            "--steps",
            "2",
            "--rounds",
            "3",
            "--set",
            "spark.master=local[2]");
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(
        6,
        lines.stream()
            .filter(l -> l.matches("round \\d/3 synthetic \\S+ DP/non-private: .*"))
            .count());
    JsonNode json = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertEquals(3000, json.get("examples").asLong());
    // No --warmup-steps: logistic regression's default, enough for the JIT (not the 2 timed steps)
    assertEquals(400, json.get("warmup_steps").asInt(), json.toString());
    assertTrue(json.get("run_start_ms_median").asDouble() > 0, json.toString());
    assertEquals("synthetic 3000x5", json.get("data").asText());
    double[] dp = doubles(json.get("dp_examples_per_s_rounds"));
    double[] plain = doubles(json.get("nonprivate_examples_per_s_rounds"));
    double[] ratios = doubles(json.get("ratio_rounds"));
    assertEquals(3, dp.length);
    assertEquals(PairedRounds.median(dp), json.get("dp_examples_per_s").asDouble(), 0.05);
    assertEquals(
        PairedRounds.median(plain), json.get("nonprivate_examples_per_s").asDouble(), 0.05);
    for (int k = 0; k < 3; k++) {
      assertEquals(dp[k] / plain[k], ratios[k], 0.002, "round " + k);
    }
    assertEquals(PairedRounds.median(ratios), json.get("ratio_median").asDouble(), 0.001);
    assertEquals(json.get("ratio_median").asDouble(), json.get("ratio").asDouble(), 0);
    assertTrue(json.get("ratio_min").asDouble() <= json.get("ratio_median").asDouble());
    assertTrue(json.get("ratio_max").asDouble() >= json.get("ratio_median").asDouble());
    // 5 floats and an int label per row are 24 bytes, plus the blocks' headers.
    double perRow = json.get("cached_bytes_per_row").asDouble();
    assertTrue(perRow >= 24 && perRow < 30, "cached bytes per row " + perRow);
    assertEquals(24.0, json.get("array_bytes_per_row").asDouble(), 0);
    // Both sizes ran in the same rounds; the second is compared with the first, round by round.
    JsonNode second = json.get("data_sets").get(1);
    assertEquals(6000, second.get("examples").asLong());
    double[] first = doubles(json.get("data_sets").get(0).get("dp_examples_per_s_rounds"));
    double[] slower = doubles(second.get("dp_ms_per_step_vs_first_rounds"));
    double[] there = doubles(second.get("dp_examples_per_s_rounds"));
    for (int k = 0; k < 3; k++) {
      assertEquals(first[k] / there[k], slower[k], 0.002, "round " + k);
    }
  }

  /**
   * A run's rate counts the steps after its first (whose time includes starting the run's tasks):
   * steps ending at 50, 60, 72 and 80 ms give 3 steps in 30 ms.
   */
  @Test
  void theRateLeavesOutTheFirstStep() {
    List<StepMetrics> steps = new ArrayList<>();
    double[] ends = {0.050, 0.060, 0.072, 0.080};
    for (int t = 0; t < ends.length; t++) {
      steps.add(new StepMetrics(t + 1, ends.length, Double.NaN, 1.0, ends[t], 0));
    }
    TrainingResult run = new TrainingResult(null, new double[0], null, steps, 0.2, null);
    assertEquals(1024 * 3 / 0.030, BenchCommand.steadyRate(run, 1024), 1e-6);
  }

  @Test
  void aBadSyntheticSizeIsOneLineNamingTheValue() {
    CliRunner.Result r = CliRunner.run("bench", "--synthetic", "6M");
    assertEquals(2, r.exitCode());
    assertEquals(
        "dpsgd: error: --synthetic must be ROWSxFEATURES in whole numbers, e.g. 6000000x100"
            + " (several: separated by commas); provided value: '6M'",
        r.err().strip());
    CliRunner.Result p = CliRunner.run("bench", "--noise-prefetch", "sometimes");
    assertEquals(2, p.exitCode());
    assertTrue(p.err().strip().startsWith("dpsgd: error: --noise-prefetch"), p.err());
    assertTrue(p.err().contains("'sometimes'"), p.err());
  }

  @Test
  void syntheticSizesParseWithSeparatorsAndRefuseZeroes() {
    assertEquals(new SyntheticSize(6_000_000, 100), SyntheticSize.parse("6_000_000x100", "--s"));
    assertEquals(
        List.of(new SyntheticSize(60_000, 784), new SyntheticSize(6, 784)),
        SyntheticSize.parseList("60000X784,6x784", "--s"));
    InvalidInputException list =
        assertThrows(InvalidInputException.class, () -> SyntheticSize.parseList("6x7,", "--s"));
    assertTrue(list.getMessage().endsWith("provided value: '6x7,'"), list.getMessage());
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> SyntheticSize.parse("0x100", "--s"));
    assertEquals(
        "--s needs at least 1 row and 1 to 16777216 features; provided value: '0x100'",
        e.getMessage());
    assertThrows(InvalidInputException.class, () -> SyntheticSize.parse("100x", "--s"));
  }

  private static double[] doubles(JsonNode array) {
    double[] v = new double[array.size()];
    for (int k = 0; k < v.length; k++) {
      v[k] = array.get(k).asDouble();
    }
    return v;
  }
}
