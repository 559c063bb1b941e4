package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.audit.CanaryFormat;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.audit.Exposure;
import org.sparkdpsgd.canaries.SecretSharer;

/**
 * dpsgd canaries end to end on a tiny corpus: the non-private model exposes the canaries inserted
 * 16 and 64 times, the DP model (σ = 1000) stays near the chance level.
 *
 * <p>The DP bound can fail by chance: if the DP model ranks all 12 canaries uniformly, each
 * exposure is an Exp(1) variable over ln 2 bits, and their mean exceeds chance + 2 bits when a
 * Gamma(12, 1) variable exceeds 28.6, probability about 1.5e-4 (the training noise is secure, so
 * runs differ). Run once by hand with -Ddpsgd.testing.zero-noise=true (the DP path without noise,
 * still clipping): the DP model's mean exposure over the 12 canaries was then 10.67 and 10.96 bits
 * (10.96, the 2,000-candidate sample's ceiling, is the most) and this test failed.
 *
 * <p>Why σ = 1000: the 255 canary records are 40% of this tiny corpus, and a canary inserted 64
 * times is a group of 64 examples, which DP protects only as well as σ / 64 would protect one. At σ
 * = 200 (ε = 0.035 per example) a run measured a mean of 2.55 bits, more than the 2 allowed; at σ =
 * 1000 (ε = 0.006; ε ≈ 0.5 for σ / 64 = 15.6 at the same q and steps) the exposure can rise by
 * under a bit (ε / ln 2 ≈ 0.7) even for the 64-insertion group. The DP model learns next to nothing
 * here: the test is the contrast with the non-private model, not the DP model's utility.
 */
class CanariesCliTest {
  static final String[] WORDS = {"the", "cat", "sat", "on", "a", "mat", "dog", "ran", "far", "and"};

  @TempDir Path dir;

  static Path corpus(Path dir) throws IOException {
    SplittableRandom rng = new SplittableRandom(3);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      StringBuilder sb = new StringBuilder();
      for (int k = 0; k < 4; k++) {
        sb.append(k == 0 ? "" : " ").append(WORDS[rng.nextInt(WORDS.length)]);
      }
      lines.add(sb.toString());
    }
    // A text corpus is split into training and test by a hash of each line: about 10% is test.
    Path f = dir.resolve("corpus.txt");
    Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    Path conf = dir.resolve("tiny.conf");
    Files.writeString(
        conf,
        """
        data { format = text, train = "%s", test = "%s", window = 20 }
        model {
          type = charlm
          window = 20
          layers = [
            {type = embedding, dim = 8}
            {type = causal-conv1d, filters = 32, kernel = 3, dilation = 1}
            {type = tanh}
            {type = causal-conv1d, filters = 32, kernel = 3, dilation = 2}
            {type = tanh}
            {type = causal-conv1d, filters = 32, kernel = 3, dilation = 4}
            {type = tanh}
          ]
        }
        privacy { l2-norm-clip = 1.0, noise-multiplier = 1000, target-epsilon = null, delta = 1e-5 }
        training {
          expected-batch-size = 64
          epochs = 40
          optimizer = adam
          learning-rate = 0.02
        }
        spark.master = "local[2]"
        progress-seconds = 1000
        """
            .formatted(f.toString(), f.toString()),
        StandardCharsets.UTF_8);
    return conf;
  }

  @Test
  void theNonPrivateModelExposesRepeatedCanariesAndTheDpModelDoesNot() throws IOException {
    Path conf = corpus(dir);
    Path out = dir.resolve("out");
    long t0 = System.nanoTime();
    CliRunner.Result r =
        CliRunner.run(
            "canaries",
            "--config",
            conf.toString(),
            "--output",
            out.toString(),
            "--candidates",
            "2000",
            "--seed",
            "5");
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, r.exitCode(), r.err());
    // The console shows no secret.
    CanaryPlan plan =
        CanaryPlan.seeded(
            CanaryFormat.pin(),
            CanaryPlan.STANDARD_INSERTIONS,
            CanaryPlan.STANDARD_CANARIES_PER_COUNT,
            5);
    plan.canaries().forEach(c -> assertFalse(r.out().contains(c.secret()), "secret printed"));
    System.out.print(r.out());
    JsonNode json = OutputWriter.JSON.readTree(out.resolve("canaries.json").toFile());
    double chance = Exposure.chanceLevel(CanaryFormat.pin().spaceSize());
    double dp = meanExposureAtLeast(json, SecretSharer.PRIVATE, 1);
    double np = meanExposureAtLeast(json, SecretSharer.NON_PRIVATE, 16);
    System.out.printf(
        "canaries test: %.1f s, chance %.2f, DP %.2f, non-private %.2f%n", seconds, chance, dp, np);
    assertTrue(Math.abs(dp - chance) < 2, "DP exposure " + dp + " vs chance " + chance);
    assertTrue(np > chance + 5, "non-private exposure " + np + " vs chance " + chance);
    assertTrue(json.get("dp_run").get("noise_multiplier").asDouble() == 1000.0);
    assertTrue(json.get("non_private_run").get("non_private").asBoolean());
    // Both models are evaluated on the test file; the non-private one predicts it better.
    double dpPerplexity = json.get("dp_run").get("test_perplexity").asDouble();
    double npPerplexity = json.get("non_private_run").get("test_perplexity").asDouble();
    assertTrue(
        npPerplexity > 1 && npPerplexity < dpPerplexity, npPerplexity + " vs " + dpPerplexity);
    assertTrue(json.get("dp_run").get("test_characters").asInt() > 0);
    assertFalse(json.get("dp_run").get("non_private").asBoolean());
    assertTrue(
        json.get("dp_run").get("privacy_guarantee").asText().contains("-DP"),
        json.get("dp_run").toString());
    String dis = Files.readString(out.resolve("disagreements.txt"), StandardCharsets.UTF_8);
    assertTrue(dis.startsWith("# CONTAINS TRAINING TEXT"), dis);
    assertTrue(Files.size(out.resolve("canaries.png")) > 1000);
  }

  /**
   * With a checkpoint directory, each model checkpoints to its own subdirectory (one directory
   * would make the second run refuse the first one's checkpoint), and a rerun of a finished
   * experiment trains neither model again.
   */
  @Test
  void eachModelCheckpointsToItsOwnDirectoryAndARerunTrainsNeither() throws IOException {
    Path conf = corpus(dir);
    Path ckpt = dir.resolve("ckpt");
    String[] common = {
      "canaries",
      "--config",
      conf.toString(),
      "--candidates",
      "200",
      "--sample-windows",
      "100",
      "--set",
      "training.epochs=1",
      "--set",
      "training.checkpoint-dir=" + ckpt,
      "--set",
      "training.checkpoint-every=5",
      "--output"
    };
    CliRunner.Result first = CliRunner.run(append(common, dir.resolve("a").toString()));
    assertEquals(0, first.exitCode(), first.err());
    assertTrue(
        Files.isDirectory(ckpt.resolve("dp")) && Files.isDirectory(ckpt.resolve("non-private")));
    CliRunner.Result again = CliRunner.run(append(common, dir.resolve("b").toString()));
    assertEquals(0, again.exitCode(), again.err());
    assertEquals(
        2, again.out().split("this run is complete", -1).length - 1, "both models: " + again.out());
    JsonNode a = OutputWriter.JSON.readTree(dir.resolve("a/canaries.json").toFile());
    JsonNode b = OutputWriter.JSON.readTree(dir.resolve("b/canaries.json").toFile());
    assertEquals(
        a.get("dp_run").get("epsilon").asDouble(),
        b.get("dp_run").get("epsilon").asDouble(),
        1e-12);
    assertEquals(a.get("dp_run").get("steps").asLong(), b.get("dp_run").get("steps").asLong());
  }

  private static String[] append(String[] args, String last) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 1);
    all[args.length] = last;
    return all;
  }

  static double meanExposureAtLeast(JsonNode json, String model, int minInsertions) {
    for (JsonNode m : json.get("models")) {
      if (m.get("model").asText().equals(model)) {
        double sum = 0;
        int n = 0;
        for (JsonNode c : m.get("canaries")) {
          if (c.get("insertions").asInt() >= minInsertions) {
            sum += c.get("exposure").asDouble();
            n++;
          }
        }
        return sum / n;
      }
    }
    throw new AssertionError("no model " + model + " in canaries.json");
  }
}
