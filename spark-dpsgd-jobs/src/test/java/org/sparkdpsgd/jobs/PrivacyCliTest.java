package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.ComposedEvent;
import org.sparkdpsgd.privacy.GaussianEvent;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.train.TrainingPlan;

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

  /**
   * --users U is example-level accounting with N = U (users are sampled, each user's mean gradient
   * clipped to C as a whole): the same steps and ε as --n 6000, with user-level wording.
   */
  @Test
  void userLevelStatementIsTheExampleLevelOneWithNReplacedByUsers() {
    String[] common = {"--batch-size", "256", "--noise-multiplier", "1.1", "--epochs", "60"};
    CliRunner.Result users =
        CliRunner.run(concat("privacy", "--users", "6000", "--no-pld", common));
    CliRunner.Result examples = CliRunner.run(concat("privacy", "--n", "6000", "--no-pld", common));
    assertEquals(0, users.exitCode(), users.err());
    String eps = examples.out().lines().filter(l -> l.contains("by RDP")).findFirst().orElseThrow();
    assertTrue(users.out().contains(eps), users.out() + "\nvs\n" + examples.out());
    assertTrue(users.out().contains("1407 steps"), users.out());
    assertTrue(users.out().contains("user sampling rate q = 0.0426667"), users.out());
    assertTrue(
        users
            .out()
            .contains(
                "(ε, δ)-DP for each user (add or remove all of one user's examples), 6000 users,"
                    + " q = 0.0426667, expected users per step 256."),
        users.out());
    assertTrue(users.out().contains("add-or-remove-one-user"), users.out());
    assertFalse(users.out().contains("example-level"), users.out());
    assertFalse(users.out().contains("WARNING"), users.out());
  }

  /**
   * δ = 1e-3 is not below 1/U for 6000 users: the warning speaks of users (and of examples for
   * --n).
   */
  @Test
  void deltaWarningNamesTheProtectedUnit() {
    String[] common = {
      "--batch-size", "256", "--noise-multiplier", "1.1", "--steps", "10", "--delta", "1e-3"
    };
    CliRunner.Result users =
        CliRunner.run(concat("privacy", "--users", "6000", "--no-pld", common));
    assertEquals(0, users.exitCode(), users.err());
    assertTrue(
        users
            .out()
            .contains(
                "WARNING: δ = 0.00100 is not below 1/U = 0.000166667 (6000 users): a mechanism"
                    + " that publishes all examples of one random user meets such a δ; use δ < 1/U"),
        users.out());
    CliRunner.Result examples = CliRunner.run(concat("privacy", "--n", "6000", "--no-pld", common));
    assertTrue(examples.out().contains("(6000 examples)"), examples.out());
    assertTrue(examples.out().contains("one random example"), examples.out());
  }

  @Test
  void usersRefusalsAreOneLineNamingTheFlag() throws Exception {
    String[] common = {"--batch-size", "256", "--noise-multiplier", "1.1", "--epochs", "60"};
    String e = CliErrorsTest.userError(concat("privacy", "--users", "0", common));
    assertTrue(e.contains("--users must be > 0; provided value: 0"), e);
    e = CliErrorsTest.userError(concat("privacy", "--users", "-5", common));
    assertTrue(e.contains("--users must be > 0; provided value: -5"), e);
    e = CliErrorsTest.userError(concat("privacy", "--users", "100", common));
    assertTrue(e.contains("--batch-size must be <= --users (100"), e);
    assertTrue(e.contains("provided value: 256"), e);
    e = CliErrorsTest.userError(concat("privacy", "--users", "6000", "--n", "60000", common));
    assertTrue(e.contains("either --n") && e.contains("or --users"), e);
    e =
        CliErrorsTest.userError(
            concat("privacy", "--users", "6000", "--num-microbatches", "16", common));
    assertTrue(e.contains("--users and --num-microbatches cannot be combined"), e);
    e =
        CliErrorsTest.userError(
            concat("calibrate", "--users", "6000", "--num-microbatches", "16", calibrateArgs()));
    assertTrue(e.contains("--users and --num-microbatches cannot be combined"), e);
    Path in = Files.writeString(dir.resolve("t.csv"), "q,noise_multiplier,steps,delta\n");
    e = CliErrorsTest.userError("privacy", "--batch", in.toString(), "--users", "6000");
    assertTrue(e.contains("--users applies to one run, not to --batch tables"), e);
  }

  private static String[] calibrateArgs() {
    return new String[] {
      "--target-epsilon", "3", "--delta", "1e-5", "--batch-size", "256", "--epochs", "60"
    };
  }

  /**
   * Microbatches have sensitivity 2C: calibrate finds σ/2 for the target and doubles it, as
   * TrainingPlan.resolve does, and says so.
   */
  @Test
  void calibrateWithMicrobatchesDoublesSigma() throws Exception {
    CliRunner.Result plain =
        CliRunner.run(concat("calibrate", "--n", "60000", "--json", calibrateArgs()));
    CliRunner.Result micro =
        CliRunner.run(
            concat(
                "calibrate",
                "--n",
                "60000",
                "--num-microbatches",
                "16",
                "--json",
                calibrateArgs()));
    assertEquals(0, micro.exitCode(), micro.err());
    JsonNode p = new ObjectMapper().readTree(plain.out().strip());
    JsonNode m = new ObjectMapper().readTree(micro.out().strip());
    double sigma = p.get("noise_multiplier").asDouble();
    assertEquals(2 * sigma, m.get("noise_multiplier").asDouble(), 1e-9 * 2 * sigma);
    assertEquals(sigma, m.get("accounted_noise_multiplier").asDouble(), 1e-9 * sigma);
    assertEquals(p.get("epsilon").asDouble(), m.get("epsilon").asDouble(), 1e-12);
    assertEquals(16, m.get("num_microbatches").asInt());
    CliRunner.Result text =
        CliRunner.run(
            concat("calibrate", "--n", "60000", "--num-microbatches", "16", calibrateArgs()));
    assertEquals(0, text.exitCode(), text.err());
    assertTrue(
        text.out().contains("noise doubled: 16 microbatches have sensitivity 2C"), text.out());
    assertTrue(text.out().contains("σ/2 = 1.014021"), text.out());
    assertTrue(text.out().contains("σ = 2.028042"), text.out());
  }

  /** calibrate --users U is calibrate --n U, reported as user-level. */
  @Test
  void calibrateUsersIsCalibrateWithNReplacedByUsers() throws Exception {
    CliRunner.Result examples =
        CliRunner.run(concat("calibrate", "--n", "6000", "--json", calibrateArgs()));
    CliRunner.Result users =
        CliRunner.run(concat("calibrate", "--users", "6000", "--json", calibrateArgs()));
    assertEquals(0, users.exitCode(), users.err());
    JsonNode e = new ObjectMapper().readTree(examples.out().strip());
    JsonNode u = new ObjectMapper().readTree(users.out().strip());
    assertEquals(e.get("noise_multiplier").asDouble(), u.get("noise_multiplier").asDouble(), 0);
    assertEquals("user", u.get("privacy_unit").asText());
    assertEquals("example", e.get("privacy_unit").asText());
    assertEquals(6000, u.get("users").asLong());
    CliRunner.Result text = CliRunner.run(concat("calibrate", "--users", "6000", calibrateArgs()));
    assertTrue(text.out().contains("user sampling rate q = 0.0426667"), text.out());
    assertTrue(text.out().contains("(ε, δ)-DP for each user"), text.out());
    assertTrue(
        text.out().lines().anyMatch(l -> l.endsWith("6000 users, expected users per step 256")),
        text.out());
  }

  /** The ScatterNet recipe's sampling: q = 8192 / 60000, 50 epochs = 367 steps. */
  private static final String[] RECIPE = {
    "--n", "60000", "--batch-size", "8192", "--epochs", "50", "--delta", "1e-5"
  };

  private static final String[] NORMALISED = {"--normalisation-noise-multiplier", "20"};

  /**
   * With --normalisation-noise-multiplier σ_n, calibrate composes the statistics' release with the
   * steps as training does: the σ pinned from dp_accounting in FeatureNormalisationTest (same
   * tolerance), above the steps-only σ, and the reported ε is the composed one.
   */
  @Test
  void calibrateWithNormalisationComposesTheRelease() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    CliRunner.Result r =
        CliRunner.run(concat("calibrate", "--target-epsilon", "3", "--json", RECIPE, NORMALISED));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode with = mapper.readTree(r.out().strip());
    double sigma = with.get("noise_multiplier").asDouble();
    assertEquals(4.0595594097855665, sigma, 1e-6 * 4.06);
    assertEquals(367, with.get("steps").asLong());
    assertEquals(20.0, with.get("normalisation_noise_multiplier").asDouble(), 0.0);
    // the composed ε meets the target closely; the steps alone at this σ would spend less
    double eps = with.get("epsilon").asDouble();
    assertTrue(eps <= 3.0 && eps > 3.0 - 1e-6, "" + eps);

    JsonNode without =
        mapper.readTree(
            CliRunner.run(concat("calibrate", "--target-epsilon", "3", "--json", RECIPE))
                .out()
                .strip());
    double stepsOnly = without.get("noise_multiplier").asDouble();
    assertTrue(stepsOnly < sigma && stepsOnly > 4.049, stepsOnly + " vs " + sigma);
    assertEquals(0.0, without.get("normalisation_noise_multiplier").asDouble(), 0.0);

    String[] eps1 = {"--target-epsilon", "1", "--delta", "1e-5", "--n", "60000"};
    JsonNode one =
        mapper.readTree(
            CliRunner.run(
                    concat(
                        "calibrate",
                        "--json",
                        eps1,
                        "--batch-size",
                        "8192",
                        "--epochs",
                        "15",
                        NORMALISED))
                .out()
                .strip());
    assertEquals(110, one.get("steps").asLong());
    assertEquals(6.113033933135939, one.get("noise_multiplier").asDouble(), 1e-6 * 6.11);

    CliRunner.Result text =
        CliRunner.run(concat("calibrate", "--target-epsilon", "3", RECIPE, NORMALISED));
    CliRunner.Result plainText =
        CliRunner.run(concat("calibrate", "--target-epsilon", "3", RECIPE));
    assertEquals(0, text.exitCode(), text.err());
    assertTrue(text.out().startsWith("noise multiplier σ = 4.05955"), text.out());
    assertTrue(
        text.out()
            .contains(
                "  feature normalisation included: ε composes its one-time release (Gaussian"
                    + " mechanism, σ_n = 20) with the steps, as training does"),
        text.out());
    assertEquals(plainText.out().lines().count() + 1, text.out().lines().count(), text.out());
  }

  /**
   * privacy composes the release into both ε: at σ = 4 the RDP ε FeatureNormalisationTest pins
   * (3.0524395407967697 with σ_n = 20, 3.043394007849334 without), ε = 3 at the σ calibrate finds,
   * and the PLD ε of the composed event.
   */
  @Test
  void privacyWithNormalisationComposesTheRelease() {
    String[] sigma4 = concat("privacy", "--noise-multiplier", "4.0", RECIPE);
    CliRunner.Result with = CliRunner.run(concat(sigma4, NORMALISED, "--no-pld"));
    CliRunner.Result without = CliRunner.run(concat(sigma4, "--no-pld"));
    assertEquals(0, with.exitCode(), with.err());
    assertTrue(with.out().contains("ε = 3.05244 by RDP"), with.out());
    assertTrue(without.out().contains("ε = 3.04339 by RDP"), without.out());
    assertTrue(
        with.out()
            .contains(
                "  plus feature normalisation: the features' statistics are released once before"
                    + " the first step by a Gaussian mechanism with noise multiplier σ_n = 20,"
                    + " composed with the steps into ε"),
        with.out());
    assertFalse(without.out().contains("feature normalisation"), without.out());

    CliRunner.Result calibrated =
        CliRunner.run(
            concat(
                "privacy",
                "--noise-multiplier",
                "4.0595594097855665",
                RECIPE,
                NORMALISED,
                "--no-pld"));
    assertTrue(calibrated.out().contains("ε = 3.00000 by RDP"), calibrated.out());

    double q = 8192.0 / 60000;
    double pld =
        AccountantKind.PLD
            .create()
            .compose(
                new ComposedEvent(
                    List.of(
                        new GaussianEvent(20),
                        new SelfComposedEvent(TrainingPlan.stepEvent(q, 4.0), 367))))
            .getEpsilon(1e-5);
    String pldLine = String.format(Locale.ROOT, "ε = %.6g by PLD", pld);
    CliRunner.Result withPld = CliRunner.run(concat(sigma4, NORMALISED));
    CliRunner.Result withoutPld = CliRunner.run(sigma4);
    assertTrue(withPld.out().contains(pldLine), pldLine + "\n" + withPld.out());
    assertFalse(withoutPld.out().contains(pldLine), withoutPld.out());
    assertTrue(withoutPld.out().contains("by PLD"), withoutPld.out());
  }

  /** Training's refusals of feature normalisation, made by both commands before any accounting. */
  @Test
  void normalisationRefusalsAreOneLineNamingTheFlag() throws Exception {
    String[] privacy = concat("privacy", "--noise-multiplier", "4.0", "--no-pld");
    String[] calibrate = {"calibrate", "--target-epsilon", "3"};
    for (String[] command : List.of(privacy, calibrate)) {
      String e =
          CliErrorsTest.userError(concat(command, RECIPE, NORMALISED, "--num-microbatches", "16"));
      assertTrue(
          e.contains(
              "--normalisation-noise-multiplier and --num-microbatches cannot be combined:"
                  + " training refuses feature normalisation with microbatches; provided value:"
                  + " --num-microbatches 16"),
          e);
      String[] users = {
        "--users", "60000", "--batch-size", "8192", "--epochs", "50", "--delta", "1e-5"
      };
      e = CliErrorsTest.userError(concat(command, users, NORMALISED));
      assertTrue(
          e.contains(
              "--normalisation-noise-multiplier and --users cannot be combined: feature"
                  + " normalisation is example-level"),
          e);
      assertTrue(e.endsWith("provided value: --users 60000"), e);
      for (String bad : new String[] {"-1", "NaN", "Infinity"}) {
        e =
            CliErrorsTest.userError(
                concat(command, RECIPE, "--normalisation-noise-multiplier", bad));
        assertTrue(
            e.contains(
                "--normalisation-noise-multiplier must be >= 0 and finite; provided value: "
                    + Double.parseDouble(bad)),
            e);
      }
    }
    Path in = Files.writeString(dir.resolve("n.csv"), "q,noise_multiplier,steps,delta\n");
    String e = CliErrorsTest.userError(concat("privacy", "--batch", in.toString(), NORMALISED));
    assertTrue(
        e.contains("--normalisation-noise-multiplier applies to one run, not to --batch tables"),
        e);
  }

  /** The arguments in order, with String[] parts spliced in. */
  private static String[] concat(Object... parts) {
    java.util.List<String> all = new java.util.ArrayList<>();
    for (Object p : parts) {
      if (p instanceof String[] many) {
        all.addAll(java.util.Arrays.asList(many));
      } else {
        all.add((String) p);
      }
    }
    return all.toArray(new String[0]);
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
