package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.util.CryptoRandom;

/** canaries.json, the console table and the PNG, for a report on two synthetic models. */
class ExposureReportOutputTest {
  private static final CanaryFormat FORMAT = new CanaryFormat("my pin is ", 4);
  private static final CanaryPlan PLAN =
      CanaryPlan.seeded(FORMAT, CanaryPlan.STANDARD_INSERTIONS, 3, 9);

  /** Ranks 1, 2, 3: log2 |R| - (log2 1 + log2 2 + log2 3) / 3. */
  private static final double MEMORISED_MEAN_AT_64 =
      FORMAT.log2SpaceSize() - Math.log(6) / Math.log(2) / 3;

  /**
   * A "memorising" model, scored exactly: every canary below all other candidates, those inserted
   * more often lower, so the three inserted 64 times rank 1, 2 and 3. And a random model, sampled.
   */
  private static ExposureReport report() {
    Map<String, Double> planted = new java.util.HashMap<>();
    for (int k = 0; k < PLAN.canaries().size(); k++) {
      Canary c = PLAN.canaries().get(k);
      planted.put(c.text(), -c.insertions() - 1e-3 * k);
    }
    ModelExposures memorising =
        ExposureAudit.exact(
            "non-private",
            PLAN,
            SyntheticScores.scorer(FORMAT, i -> SyntheticScores.uniform(1, i), planted),
            1000);
    ModelExposures random =
        ExposureAudit.sampled(
            "DP-SGD",
            PLAN,
            SyntheticScores.scorer(FORMAT, i -> SyntheticScores.normal(2, i)),
            2000,
            CryptoRandom.derived("report-test", "s".getBytes(StandardCharsets.UTF_8), 1),
            500);
    return new ExposureReport(PLAN, List.of(random, memorising));
  }

  @Test
  void jsonHoldsEveryCanaryUnderEveryModel() throws IOException {
    ExposureReport report = report();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ExposureReportJson.write(report, bytes);
    JsonNode root = new ObjectMapper().readTree(bytes.toByteArray());
    assertEquals("my pin is ____", root.get("format").asText());
    assertEquals(10_000, root.get("space_size").asLong());
    assertEquals(FORMAT.log2SpaceSize(), root.get("log2_space_size").asDouble(), 0);
    assertEquals(Exposure.chanceLevel(10_000), root.get("chance_level_bits").asDouble(), 0);
    assertEquals("[1,4,16,64]", root.get("insertion_counts").toString());
    assertEquals(2, root.get("models").size());
    for (int m = 0; m < 2; m++) {
      JsonNode model = root.get("models").get(m);
      ModelExposures expected = report.models().get(m);
      assertEquals(expected.model(), model.get("model").asText());
      assertEquals(12, model.get("canaries").size());
      for (int k = 0; k < 12; k++) {
        JsonNode c = model.get("canaries").get(k);
        CanaryExposure e = expected.canaries().get(k);
        assertEquals(e.canary().secret(), c.get("secret").asText());
        assertEquals(e.canary().insertions(), c.get("insertions").asInt());
        assertEquals(e.logPerplexity(), c.get("log_perplexity").asDouble(), 0);
        assertEquals(e.rank(), c.get("rank").asDouble(), 0);
        assertEquals(e.exposure(), c.get("exposure").asDouble(), 0);
      }
      assertEquals(
          expected.meanExposureByInsertions().get(16),
          model.get("mean_exposure_by_insertions").get("16").asDouble(),
          0);
    }
    JsonNode sampled = root.get("models").get(0);
    assertEquals("sampled", sampled.get("method").asText());
    assertTrue(sampled.get("skew_normal_fit").get("scale").asDouble() > 0);
    assertTrue(sampled.get("canaries").get(0).get("exposure_extrapolated").isNumber());
    JsonNode exact = root.get("models").get(1);
    assertEquals("exact", exact.get("method").asText());
    assertTrue(exact.get("canaries").get(0).get("exposure_extrapolated").isNull());
    assertFalse(exact.has("skew_normal_fit"));
    assertEquals(
        MEMORISED_MEAN_AT_64, report.models().get(1).meanExposureByInsertions().get(64), 1e-12);
  }

  @Test
  void tableShowsMeansAndNoSecrets() {
    ExposureReport report = report();
    String table = ExposureTable.format(report);
    String[] lines = table.split("\\R");
    assertEquals(6, lines.length, table);
    assertTrue(lines[0].contains("log2|R| = 13.29, chance level = 1.44"), lines[0]);
    assertTrue(lines[1].contains("DP-SGD") && lines[1].contains("non-private"), lines[1]);
    assertTrue(lines[5].trim().startsWith("64"), lines[5]);
    assertTrue(
        lines[5]
            .trim()
            .endsWith(String.format(java.util.Locale.ROOT, "%.2f", MEMORISED_MEAN_AT_64)),
        lines[5]);
    for (Canary c : PLAN.canaries()) {
      assertFalse(table.contains(c.secret()), "secret in the table:\n" + table);
    }
  }

  @Test
  void pngIsAReadableImageOfTheChartsSize(@TempDir Path dir) throws IOException {
    ExposureReport report = report();
    Path png = dir.resolve("exposure.png");
    try (OutputStream out = Files.newOutputStream(png)) {
      ExposurePlot.writePng(report, out);
    }
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(ExposurePlot.WIDTH, image.getWidth());
    assertEquals(ExposurePlot.HEIGHT, image.getHeight());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) {
        colours.add(image.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 10, "a blank picture: " + colours.size() + " colours");
  }

  @Test
  void legendOnlyForTwoOrMoreModels() {
    ExposureReport two = report();
    assertTrue(ExposurePlot.chart(two).getStyler().isLegendVisible());
    ExposureReport one = new ExposureReport(PLAN, List.of(two.models().get(1)));
    assertFalse(ExposurePlot.chart(one).getStyler().isLegendVisible());
  }

  @Test
  void xTicksAreLabelledWithInsertionCounts() {
    assertEquals("1", ExposurePlot.countLabel(0));
    assertEquals("16", ExposurePlot.countLabel(4.0000000000001));
    assertEquals("64", ExposurePlot.countLabel(6));
    assertEquals("5.66", ExposurePlot.countLabel(2.5));
    assertEquals("0.707", ExposurePlot.countLabel(-0.5));
  }
}
