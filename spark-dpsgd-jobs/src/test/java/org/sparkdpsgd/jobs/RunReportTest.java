package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `dpsgd train` leaves report.html and its plots beside report.json: the privacy statement with the
 * report's own ε, the test score, one image per plot written; a non-private run says it has no
 * guarantee and draws no ε curves.
 */
class RunReportTest {
  @TempDir Path dir;

  private CliRunner.Result train(Path out, String... more) throws IOException {
    Path train = CliTrainTest.csv(dir, "train.csv", 2000, 1);
    Path test = CliTrainTest.csv(dir, "test.csv", 500, 2);
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "train",
                "--format",
                "csv",
                "--train",
                train.toString(),
                "--test",
                test.toString(),
                "--output",
                out.toString(),
                "--set",
                "data.num-classes=3",
                "--set",
                "model.hidden=[8]",
                "--set",
                "training.expected-batch-size=200",
                "--set",
                "training.epochs=3",
                "--set",
                "training.learning-rate=1.0",
                "--set",
                "report-evaluations=5",
                "--set",
                "progress-seconds=0"));
    args.addAll(List.of(more));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @Test
  void aPrivateRunWritesThePageAndFourPlots() throws IOException {
    Path out = dir.resolve("dp");
    CliRunner.Result r = train(out);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    String html = Files.readString(out.resolve("report.html"));
    String eps = String.format(Locale.ROOT, "%.2f", report.get("epsilon").asDouble());
    assertTrue(html.contains("&epsilon; = " + eps), html);
    assertTrue(html.contains("one training example (one row of the data)"), html);
    assertTrue(
        html.contains(
            String.format(
                Locale.ROOT, "test accuracy %.2f%%", 100 * report.get("test_accuracy").asDouble())),
        html);
    for (String png :
        List.of("accuracy-vs-epsilon.png", "test-accuracy.png", "test-loss.png", "epsilon.png")) {
      assertTrue(html.contains("<img src=\"" + png + "\""), png);
      BufferedImage image = ImageIO.read(out.resolve(png).toFile());
      assertEquals(RunPlots.WIDTH, image.getWidth(), png);
      assertEquals(RunPlots.HEIGHT, image.getHeight(), png);
    }
    assertFalse(html.contains("WARNING"), html);
  }

  @Test
  void aRunWithALedgerShowsWhereTheBudgetStands() throws IOException {
    Path ledger = dir.resolve("ledger");
    CliRunner.Result init =
        CliRunner.run("ledger", "init", ledger.toString(), "--epsilon", "10", "--delta", "1e-5");
    assertEquals(0, init.exitCode(), init.err());
    Path out = dir.resolve("ledgered");
    CliRunner.Result r = train(out, "--set", "privacy.ledger=" + ledger);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    String html = Files.readString(out.resolve("report.html"));
    // one run in the ledger: its composed total is the run's own ε
    String spent =
        String.format(Locale.ROOT, "spent &epsilon; = %.4g", report.get("epsilon").asDouble());
    assertTrue(html.contains("Privacy budget ledger: "), html);
    assertTrue(html.contains("holds 1 runs"), html);
    assertTrue(html.contains(spent), html);
  }

  @Test
  void aNonPrivateRunSaysSoAndDrawsNoEpsilon() throws IOException {
    Path out = dir.resolve("np");
    CliRunner.Result r = train(out, "--no-privacy");
    assertEquals(0, r.exitCode(), r.err());
    String html = Files.readString(out.resolve("report.html"));
    assertTrue(html.contains("WITHOUT differential privacy"), html);
    assertTrue(Files.exists(out.resolve("test-accuracy.png")));
    assertFalse(Files.exists(out.resolve("epsilon.png")));
    assertFalse(Files.exists(out.resolve("accuracy-vs-epsilon.png")));
  }

  @Test
  void aBadEvaluationCountIsOneLineBeforeTraining() throws IOException {
    CliRunner.Result r = train(dir.resolve("bad"), "--set", "report-evaluations=-1");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().strip().startsWith("dpsgd: error: report-evaluations must be in 0..1000"));
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.out().contains("step 1/"), r.out());
  }
}
