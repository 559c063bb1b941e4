package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `dpsgd train --set model.init-from=M`: a DP run fine-tunes the weights another run wrote (with a
 * learning rate too small to move them, its model is that run's), and a network that is not the
 * saved one is refused with one line before anything is trained.
 */
class CliInitFromTest {
  @TempDir Path dir;

  private CliRunner.Result train(Path train, Path out, String... settings) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--format",
                "csv",
                "--train",
                train.toString(),
                "--test",
                "",
                "--output",
                out.toString(),
                "--set",
                "data.num-classes=3",
                "--set",
                "training.expected-batch-size=300",
                "--set",
                "training.epochs=2",
                "--set",
                "progress-seconds=0"));
    for (String s : settings) {
      args.add("--set");
      args.add(s);
    }
    return CliRunner.run(args.toArray(String[]::new));
  }

  private static JsonNode json(Path file) throws IOException {
    return new ObjectMapper().readTree(file.toFile());
  }

  private static double[] params(Path run) throws IOException {
    JsonNode p = new ObjectMapper().readTree(run.resolve("model.json").toFile()).get("params");
    double[] out = new double[p.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = p.get(i).asDouble();
    }
    return out;
  }

  /**
   * repeat: every run starts from the saved model, whose network includes the per-example input
   * normalisation that repeat computes once (a fixed layer, not part of what the runs train).
   */
  @Test
  void repeatStartsEveryRunFromTheSavedWholeNetwork() throws IOException {
    Path data = CliTrainTest.csv(dir, "train.csv", 2000, 3);
    Path publicRun = dir.resolve("public");
    String[] net = {"model.hidden=[8]", "model.input-norm=per-example"};
    CliRunner.Result pre =
        train(data, publicRun, net[0], net[1], "training.no-privacy=true", "model.init-seed=5");
    assertEquals(0, pre.exitCode(), pre.err());
    String from = "model.init-from=" + publicRun.resolve("model.json");
    List<String> args =
        new ArrayList<>(
            List.of(
                "repeat",
                "--seeds",
                "2",
                "--validation",
                "0.2",
                "--output",
                dir.resolve("repeat").toString()));
    for (String s :
        List.of(
            "data.format=csv",
            "data.train=" + data,
            "data.test=\"\"",
            "data.num-classes=3",
            "training.expected-batch-size=300",
            "training.epochs=1",
            "progress-seconds=0",
            net[0],
            net[1],
            from)) {
      args.add("--set");
      args.add(s);
    }
    CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertTrue(r.out().contains("run 2: accuracy"), r.out());
    String saved = publicRun.resolve("model.json").toString();
    assertEquals(saved, json(dir.resolve("repeat/repeat.json")).path("init_from").asText());
    assertEquals(saved, json(dir.resolve("repeat/run-2/report.json")).path("init_from").asText());
    args.set(args.indexOf("model.hidden=[8]"), "model.hidden=[4]");
    args.set(args.indexOf(dir.resolve("repeat").toString()), dir.resolve("wrong").toString());
    CliRunner.Result wrong = CliRunner.run(args.toArray(String[]::new));
    assertEquals(2, wrong.exitCode(), wrong.out() + wrong.err());
    assertTrue(wrong.err().contains("holds the network"), wrong.err());
  }

  /**
   * canaries.json names the public model its runs started from (and holds as many canaries per
   * insertion count as --canaries-per-count asks); --non-private-set changes the non-private
   * model's recipe only, and takes training.* settings only.
   */
  @Test
  void canariesJsonNamesTheSavedModel() throws IOException {
    Path conf = CanariesCliTest.corpus(dir);
    Path publicRun = dir.resolve("public");
    CliRunner.Result pre = oneEpoch("train", conf, publicRun, "--no-privacy");
    assertEquals(0, pre.exitCode(), pre.err());
    String saved = publicRun.resolve("model.json").toString();
    Path out = dir.resolve("canaries");
    CliRunner.Result r =
        oneEpoch(
            "canaries",
            conf,
            out,
            "--set",
            "model.init-from=" + saved,
            "--candidates",
            "200",
            "--canaries-per-count",
            "2",
            "--non-private-set",
            "training.epochs=2",
            "--non-private-set",
            "training.learning-rate=0.05");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode report = json(out.resolve("canaries.json"));
    JsonNode dpRun = report.path("dp_run");
    JsonNode npRun = report.path("non_private_run");
    double q = dpRun.path("sampling_rate").asDouble();
    assertEquals(Math.ceil(1 / q), dpRun.path("steps").asDouble(), 0, report.toString());
    assertEquals(Math.ceil(2 / q), npRun.path("steps").asDouble(), 0, report.toString());
    assertEquals(0.05, npRun.path("learning_rate").asDouble(), 0);
    assertNotEquals(0.05, dpRun.path("learning_rate").asDouble());
    assertEquals("training.epochs=2", npRun.path("overrides").path(0).asText());
    assertEquals(saved, report.path("init_from").asText());
    assertTrue(
        report.path("init_from_note").asText().contains("must be public"), report.toString());
    JsonNode canaries = report.path("models").path(0).path("canaries");
    assertEquals(8, canaries.size(), canaries.toString());
    for (int k = 0; k < 8; k++) {
      assertEquals(List.of(1, 4, 16, 64).get(k / 2), canaries.path(k).path("insertions").asInt());
    }
    CliRunner.Result data =
        oneEpoch("canaries", conf, out, "--non-private-set", "data.train=/elsewhere");
    assertEquals(2, data.exitCode(), data.err());
    assertEquals(
        "dpsgd: error: --non-private-set takes training.* settings only; provided value:"
            + " data.train=/elsewhere",
        data.err().strip());
    CliRunner.Result none = oneEpoch("canaries", conf, out, "--canaries-per-count", "0");
    assertEquals(2, none.exitCode(), none.err());
    assertEquals(
        "dpsgd: error: --canaries-per-count must be >= 1; provided value: 0", none.err().strip());
  }

  private static CliRunner.Result oneEpoch(String command, Path conf, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                command,
                "--config",
                conf.toString(),
                "--set",
                "training.epochs=1",
                "--output",
                out.toString()));
    args.addAll(List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @Test
  void startsFromTheSavedWeightsAndRefusesAnotherNetwork() throws IOException {
    Path data = CliTrainTest.csv(dir, "train.csv", 2000, 1);
    Path publicRun = dir.resolve("public");
    CliRunner.Result pre =
        train(data, publicRun, "model.hidden=[8]", "training.no-privacy=true", "model.init-seed=5");
    assertEquals(0, pre.exitCode(), pre.err());
    double[] saved = params(publicRun);

    Path tuned = dir.resolve("tuned");
    String from = "model.init-from=" + publicRun.resolve("model.json");
    CliRunner.Result r =
        train(data, tuned, "model.hidden=[8]", from, "training.learning-rate=1e-9");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("starting from the weights in " + publicRun), r.out());
    // the report names the starting model among what the guarantee treats as public
    JsonNode report = json(tuned.resolve("report.json"));
    assertEquals(publicRun.resolve("model.json").toString(), report.path("init_from").asText());
    assertTrue(
        report.path("treated_as_public").toString().contains("the starting model " + publicRun),
        report.toString());
    assertTrue(json(publicRun.resolve("report.json")).path("init_from").isMissingNode());
    // and so does the page a person reads (and only there where a start was given)
    assertTrue(
        Files.readString(tuned.resolve("report.html"))
            .contains("Trained from the starting model " + publicRun.resolve("model.json")));
    assertFalse(Files.readString(publicRun.resolve("report.html")).contains("Trained from"));
    double[] after = params(tuned);
    assertEquals(saved.length, after.length);
    double moved = 0;
    for (int i = 0; i < saved.length; i++) {
      moved = Math.max(moved, Math.abs(after[i] - saved[i]));
    }
    // DP noise times a learning rate of 1e-9 over a few steps: far below the weights' scale
    assertTrue(moved < 1e-6, "largest change " + moved);
    // without init-from the same run starts from its init seed, nowhere near the saved weights
    Path fresh = dir.resolve("fresh");
    assertEquals(
        0, train(data, fresh, "model.hidden=[8]", "training.learning-rate=1e-9").exitCode());
    double[] random = params(fresh);
    double apart = 0;
    for (int i = 0; i < saved.length; i++) {
      apart = Math.max(apart, Math.abs(random[i] - saved[i]));
    }
    assertTrue(apart > 0.05, "a random start differs from the saved weights by " + apart);

    CliRunner.Result wrong = train(data, dir.resolve("wrong"), "model.hidden=[16]", from);
    assertEquals(2, wrong.exitCode(), wrong.out() + wrong.err());
    String err = wrong.err().strip();
    assertTrue(
        err.contains("model.init-from: " + publicRun.resolve("model.json") + " holds the network"),
        err);
    assertFalse(err.contains("\tat "), err);
    assertFalse(wrong.out().contains("step 1/"), wrong.out());
  }
}
