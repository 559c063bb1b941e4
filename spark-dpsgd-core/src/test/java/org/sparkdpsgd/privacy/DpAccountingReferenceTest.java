package org.sparkdpsgd.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Grids of values produced by Google's dp_accounting 0.6.0 (see each CSV's first line): 1,620 RDP
 * cases (q 0..1 incl. edge cases, σ 0..10, 1..10^6 steps, δ 1e-5 and 1e-6), 72 PLD cases and 48
 * calibrations. Our accountants must agree: RDP ε to 1e-9 relative with the same optimal order, PLD
 * ε to 1e-3 (we measured 1e-6), calibrated σ to 1e-6 relative (we measured 6e-12).
 */
class DpAccountingReferenceTest {
  static List<String[]> rows(String name) throws Exception {
    List<String[]> rows = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                DpAccountingReferenceTest.class.getResourceAsStream("/dp_accounting/" + name),
                StandardCharsets.UTF_8))) {
      String line;
      boolean header = true;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        if (header) {
          header = false;
          continue;
        }
        rows.add(line.split(","));
      }
    }
    return rows;
  }

  static double parse(String s) {
    return s.equals("inf") || s.equals("Infinity")
        ? Double.POSITIVE_INFINITY
        : Double.parseDouble(s);
  }

  @Test
  void rdpGrid() throws Exception {
    List<String[]> rows = rows("rdp_reference.csv");
    assertEquals(1620, rows.size());
    for (String[] f : rows) {
      RdpAccountant a = new RdpAccountant();
      a.compose(
          new PoissonSampledEvent(parse(f[0]), new GaussianEvent(parse(f[1]))),
          Integer.parseInt(f[2]));
      EpsilonAndOrder e = a.getEpsilonAndOptimalOrder(parse(f[3]));
      double expected = parse(f[4]);
      String row = String.join(",", f);
      if (Double.isInfinite(expected)) {
        assertEquals(expected, e.epsilon(), row);
      } else {
        assertEquals(expected, e.epsilon(), 1e-9 * expected, row);
        assertEquals(parse(f[5]), e.order(), 1e-9, row);
      }
    }
  }

  @Test
  void pldGrid() throws Exception {
    for (String[] f : rows("pld_reference.csv")) {
      PldAccountant a = new PldAccountant();
      a.compose(
          new PoissonSampledEvent(parse(f[0]), new GaussianEvent(parse(f[1]))),
          Integer.parseInt(f[2]));
      double expected = parse(f[4]);
      double eps = a.getEpsilon(parse(f[3]));
      if (Double.isInfinite(expected)) {
        assertEquals(expected, eps, String.join(",", f));
      } else {
        assertEquals(expected, eps, 1e-5, String.join(",", f));
      }
    }
  }

  @Test
  void calibrationGrid() throws Exception {
    for (String[] f : rows("calibration_reference.csv")) {
      double sigma =
          NoiseCalibration.calibrateNoiseMultiplier(
              parse(f[0]), parse(f[1]), parse(f[2]), Long.parseLong(f[3]), AccountantKind.RDP);
      double expected = parse(f[4]);
      assertEquals(expected, sigma, 1e-6 * expected, String.join(",", f));
    }
  }
}
