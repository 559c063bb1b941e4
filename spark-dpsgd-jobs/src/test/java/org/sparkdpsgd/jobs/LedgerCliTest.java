package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpsgd ledger init|show|plan} and {@code train} with {@code privacy.ledger}: a second run
 * that would pass the budget is refused with one line and exit 2, before any step, and the ledger
 * stays byte-identical.
 */
class LedgerCliTest {
  @TempDir Path dir;

  /** 3,000 examples, batch 300 (q = 0.1), σ = 1.0, 20 steps: ε = 4.22 at δ = 1e-5 (RDP). */
  private List<String> trainArgs(Path train, String output, String ledger) {
    return List.of(
        "train",
        "--format",
        "csv",
        "--train",
        train.toString(),
        "--test",
        "",
        "--output",
        output,
        "--set",
        "data.num-classes=3",
        "--set",
        "model.hidden=[8]",
        "--set",
        "training.expected-batch-size=300",
        "--set",
        "training.epochs=null",
        "--set",
        "training.steps=20",
        "--set",
        "privacy.target-epsilon=null",
        "--set",
        "privacy.noise-multiplier=1.0",
        "--set",
        "privacy.ledger=" + ledger,
        "--set",
        "progress-seconds=0");
  }

  @Test
  void initShowAndPlanWithTheirExitCodes() throws IOException {
    String ledger = dir.resolve("ledger").toString();
    CliRunner.Result init =
        CliRunner.run("ledger", "init", ledger, "--epsilon", "5", "--delta", "1e-5");
    assertEquals(0, init.exitCode(), init.err());
    assertTrue(init.out().contains("budget ε = 5.0 at δ = 1.0E-5 (rdp accountant)"), init.out());
    CliRunner.Result again =
        CliRunner.run("ledger", "init", ledger, "--epsilon", "9", "--delta", "1e-5");
    assertEquals(2, again.exitCode());
    assertTrue(again.err().startsWith("dpsgd: error: privacy ledger"), again.err());
    assertTrue(again.err().contains("already exists"), again.err());

    Path conf =
        Files.writeString(
            dir.resolve("run.conf"),
            "privacy.noise-multiplier = 1.0\n"
                + "privacy.target-epsilon = null\ntraining.steps = 20\ntraining.epochs = null\n");
    CliRunner.Result plan =
        CliRunner.run("ledger", "plan", ledger, "--config", conf.toString(), "--n", "3000");
    assertEquals(0, plan.exitCode(), plan.out() + plan.err());
    assertTrue(plan.out().contains("fits: ε = "), plan.out());
    CliRunner.Result tooMuch =
        CliRunner.run(
            "ledger",
            "plan",
            ledger,
            "--config",
            conf.toString(),
            "--n",
            "3000",
            "--set",
            "training.steps=200");
    assertEquals(LedgerCommand.DOES_NOT_FIT, tooMuch.exitCode(), tooMuch.out() + tooMuch.err());
    assertTrue(tooMuch.out().contains("does not fit"), tooMuch.out());
    CliRunner.Result noN = CliRunner.run("ledger", "plan", ledger, "--config", conf.toString());
    assertEquals(2, noN.exitCode());
    assertTrue(noN.err().contains("--n is required"), noN.err());
    CliRunner.Result missing = CliRunner.run("ledger", "show", dir.resolve("nope").toString());
    assertEquals(2, missing.exitCode());
    assertTrue(missing.err().contains("dpsgd ledger init"), missing.err());
  }

  @Test
  void trainReservesAndARunPastTheBudgetIsRefusedWithOneLine() throws IOException {
    Path train = CliTrainTest.csv(dir, "train.csv", 3000, 1);
    String ledger = dir.resolve("ledger").toString();
    // ε of one run = 4.22; two compose to less than 8.44 but more than 5: 5 holds one.
    assertEquals(
        0, CliRunner.run("ledger", "init", ledger, "--epsilon", "5", "--delta", "1e-5").exitCode());
    CliRunner.Result first =
        CliRunner.run(trainArgs(train, dir.resolve("a").toString(), ledger).toArray(String[]::new));
    assertEquals(0, first.exitCode(), first.err());
    assertTrue(
        first.out().contains("privacy ledger file:" + ledger + ": reserved 20 steps"), first.out());
    assertTrue(first.out().contains("step 20/20"), first.out());

    Map<String, String> before = snapshot(Path.of(ledger));
    CliRunner.Result second =
        CliRunner.run(trainArgs(train, dir.resolve("b").toString(), ledger).toArray(String[]::new));
    assertEquals(2, second.exitCode(), second.out() + second.err());
    List<String> errors = second.err().lines().filter(l -> l.startsWith("dpsgd: error:")).toList();
    assertEquals(1, errors.size(), second.err());
    assertTrue(errors.get(0).contains("refuses this run"), errors.get(0));
    assertFalse(second.err().contains("\tat "), "no stack trace: " + second.err());
    assertFalse(second.out().contains("step 1/"), "no step ran: " + second.out());
    assertEquals(before, snapshot(Path.of(ledger)), "the refusal wrote nothing");

    CliRunner.Result show = CliRunner.run("ledger", "show", ledger);
    assertEquals(0, show.exitCode(), show.err());
    List<String> runs =
        new ArrayList<>(show.out().lines().filter(l -> l.contains("settled")).toList());
    assertEquals(1, runs.size(), show.out());
    assertTrue(runs.get(0).contains("20 × PoissonSampled(q = 0.1, Gaussian(σ = 1))"), show.out());
    assertTrue(show.out().contains("spent: ε = "), show.out());
  }

  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        m.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? Files.readString(p) : "");
      }
    }
    return m;
  }
}
