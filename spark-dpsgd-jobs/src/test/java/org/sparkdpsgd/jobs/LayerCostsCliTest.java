package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `dpsgd bench-layers`: per-phase medians, DP against non-private, and its one-line errors. */
class LayerCostsCliTest {
  @Test
  void reportsEachPhaseForBothModesAndTheirRatio() throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "bench-layers", "--model", "mlp", "--rows", "64", "--rounds", "3", "--reps", "2");
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = r.out().lines().toList();
    JsonNode json = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertEquals(64, json.get("rows").asInt());
    assertEquals(4, json.get("dp_ms").size());
    // Non-private steps compute no norms; DP ones do, so DP costs something for them.
    assertTrue(json.get("nonprivate_ms").get(1).get("norms+factors").asDouble() < 0.01);
    assertTrue(json.get("dp_ms").get(1).get("norms+factors").asDouble() > 0);
    double ratio = json.get("compute_ratio").asDouble();
    assertTrue(ratio > 0.5 && ratio < 20, "ratio " + ratio);
  }

  @Test
  void aBadSizeIsOneLine() throws Exception {
    CliRunner.Result r = CliRunner.run("bench-layers", "--rows", "0");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--rows, --rounds and --reps must be >= 1"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
