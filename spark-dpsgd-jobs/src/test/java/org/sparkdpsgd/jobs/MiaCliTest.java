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
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `dpsgd audit --mode mia` end to end on a CSV whose labels are pure chance, so that fitting it is
 * memorising it: audit.json's numbers for both models and both attacks, roc.png, the one-line
 * mistakes.
 *
 * <p>600 rows, 300 attacked (150 members, 150 not). With no leakage an AUC has sd sqrt(301 / (12 ·
 * 150²)) = 0.033. The non-private model (a 256-unit MLP, 1,500 Adam steps over about 300 rows)
 * memorises its random labels: its loss attack must beat 0.5 + 5 sd (false failure under no leakage
 * 3e-7; measured far above). The DP model at ε = 0.5: (ε, δ)-DP bounds AUC − ½ by (e^ε − 1 + 2δ) /
 * (e^ε + 1) = 0.245; with 4.5 sd of sampling error a false failure has probability below 1e-5 per
 * attack.
 */
class MiaCliTest {
  @TempDir Path dir;

  private Path config() throws IOException {
    Path train = randomLabels("train.csv", 600, 21);
    Path test = randomLabels("test.csv", 200, 22);
    Path conf = dir.resolve("mia.conf");
    Files.writeString(
        conf,
        """
        data { format = csv, train = "%s", test = "%s", num-classes = 10 }
        model { hidden = [256] }
        privacy { l2-norm-clip = 1.0, target-epsilon = 0.5, delta = 1e-5 }
        training {
          expected-batch-size = 100, epochs = null, steps = 1500
          optimizer = adam, learning-rate = 0.02
        }
        progress-seconds = 0
        """
            .formatted(train, test));
    return conf;
  }

  private Path randomLabels(String name, int rows, long seed) throws IOException {
    SplittableRandom rng = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < 10; j++) {
      sb.append('x').append(j).append(',');
    }
    sb.append("label\n");
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < 10; j++) {
        sb.append(String.format(Locale.ROOT, "%.4f,", rng.nextGaussian()));
      }
      sb.append(rng.nextInt(10)).append('\n');
    }
    return Files.writeString(dir.resolve(name), sb.toString());
  }

  @Test
  void bothModelsAndBothAttacksLandInAuditJsonAndThePlot() throws IOException {
    Path out = dir.resolve("mia");
    CliRunner.Result r =
        CliRunner.run(
            "audit",
            "--config",
            config().toString(),
            "--mode",
            "mia",
            "--references",
            "2",
            "--attack-examples",
            "300",
            "--non-private-set",
            "training.learning-rate=0.01",
            "--output",
            out.toString());
    System.out.println(r.out());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("== training reference model 2 for non-private"), r.out());

    JsonNode json = new ObjectMapper().readTree(out.resolve("audit.json").toFile());
    assertEquals("training.learning-rate=0.01", json.get("non_private_overrides").get(0).asText());
    JsonNode mia = json.get("mia");
    assertEquals(600, mia.get("population").asLong());
    assertEquals(2, mia.get("reference_models").asInt());
    JsonNode dp = mia.get("models").get(0);
    JsonNode np = mia.get("models").get(1);
    assertEquals("DP-SGD", dp.get("model").asText());
    assertFalse(dp.get("non_private").asBoolean());
    assertTrue(dp.get("test_score").asText().startsWith("test accuracy"), dp.toString());
    assertTrue(np.get("non_private").asBoolean());
    double eps = dp.get("epsilon").asDouble();
    assertTrue(eps <= 0.5 + 1e-6, "ε = " + eps);

    double sd = Math.sqrt(301.0 / (12 * 150.0 * 150.0));
    double npLoss = np.get("attacks").get("loss").get("auc").asDouble();
    assertTrue(npLoss > 0.5 + 5 * sd, np.toString());
    double band = (Math.exp(eps) - 1 + 2e-5) / (Math.exp(eps) + 1) + 4.5 * sd;
    for (String attack : new String[] {"loss", "offline_lira"}) {
      JsonNode a = dp.get("attacks").get(attack);
      assertEquals(0.5, a.get("auc").asDouble(), band, a.toString());
      // the console table shows the same AUC, to 4 decimals
      assertTrue(
          r.out().contains(String.format(Locale.ROOT, "%.4f", a.get("auc").asDouble())), r.out());
      double tpr = a.get("tpr_at_0.1pct_fpr").asDouble();
      assertTrue(tpr >= 0 && tpr <= 1, a.toString());
    }
    BufferedImage png = ImageIO.read(out.resolve("roc.png").toFile());
    assertTrue(png.getWidth() > 100 && png.getHeight() > 100);
  }

  @Test
  void badCountsAreOneLineErrorsBeforeAnyTraining() throws IOException {
    Path conf = config();
    CliRunner.Result refs =
        CliRunner.run(
            "audit",
            "--config",
            conf.toString(),
            "--mode",
            "mia",
            "--references",
            "1",
            "--output",
            dir.resolve("r").toString());
    assertEquals(2, refs.exitCode());
    assertEquals(
        "dpsgd: error: --references must be 0 or in 2..64; provided value: 1", refs.err().strip());
    CliRunner.Result odd =
        CliRunner.run(
            "audit",
            "--config",
            conf.toString(),
            "--mode",
            "mia",
            "--attack-examples",
            "301",
            "--output",
            dir.resolve("o").toString());
    assertEquals(2, odd.exitCode());
    assertTrue(odd.err().contains("--attack-examples must be even"), odd.err());
    // more attacked examples than a half of the data holds: refused before the first step
    CliRunner.Result many =
        CliRunner.run(
            "audit",
            "--config",
            conf.toString(),
            "--mode",
            "mia",
            "--attack-examples",
            "2000",
            "--output",
            dir.resolve("m").toString());
    assertEquals(2, many.exitCode(), many.err());
    CliRunner.Result oneRun =
        CliRunner.run(
            "audit",
            "--config",
            conf.toString(),
            "--non-private-set",
            "training.epochs=3",
            "--output",
            dir.resolve("n").toString());
    assertEquals(2, oneRun.exitCode(), oneRun.err());
    assertTrue(oneRun.err().contains("--non-private-set is for --mode mia"), oneRun.err());
    for (CliRunner.Result x : new CliRunner.Result[] {refs, odd, many, oneRun}) {
      assertEquals(1, x.err().strip().lines().count(), x.err());
      assertFalse(x.out().contains("step 1/"), x.out());
    }
  }
}
