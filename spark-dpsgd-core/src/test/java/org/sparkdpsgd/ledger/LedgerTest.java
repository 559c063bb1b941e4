package org.sparkdpsgd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.ComposedEvent;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.GaussianEvent;
import org.sparkdpsgd.privacy.NoOpEvent;
import org.sparkdpsgd.privacy.NonPrivateEvent;
import org.sparkdpsgd.privacy.PoissonSampledEvent;
import org.sparkdpsgd.privacy.PrivacyLedger;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.util.InvalidInputException;

/** The ledger's arithmetic and files on a local disk (HDFS and races: LedgerConcurrencyTest). */
class LedgerTest {
  static final DpEvent STEP_A = new PoissonSampledEvent(0.01, new GaussianEvent(1.1));
  static final DpEvent STEP_B = new PoissonSampledEvent(0.02, new GaussianEvent(0.8));

  @TempDir Path dir;

  private String location() {
    return dir.resolve("ledger").toString();
  }

  private BudgetLedger init(double epsilon, AccountantKind kind) {
    return BudgetLedger.init(location(), new Configuration(), epsilon, 1e-5, kind);
  }

  @Test
  void compositionEqualsTheAccountantsOverAllEvents() {
    for (AccountantKind kind : AccountantKind.values()) {
      BudgetLedger ledger =
          BudgetLedger.init(
              dir.resolve("ledger-" + kind).toString(), new Configuration(), 50, 1e-5, kind);
      PrivacyLedger run = ledger.forRun("sha");
      run.reserve(STEP_A, 0, 1000, null);
      run.reserve(STEP_B, 0, 300, null);
      run.reserve(STEP_A, 0, 500, null).release(); // released: does not count
      LedgerState s = ledger.read();
      double expected =
          kind.create()
              .compose(new SelfComposedEvent(STEP_A, 1000))
              .compose(new SelfComposedEvent(STEP_B, 300))
              .getEpsilon(1e-5);
      assertEquals(expected, s.spentEpsilon(), 1e-12 * expected, kind.name());
      double sumOfEpsilons = s.runs().stream().mapToDouble(r -> r.epsilon(ledger.budget())).sum();
      assertTrue(s.spentEpsilon() < 0.9 * sumOfEpsilons, s.spentEpsilon() + " vs " + sumOfEpsilons);
      assertEquals(List.of("reserved", "reserved", "released"), statuses(s));
    }
  }

  @Test
  void aBudgetJsonIsWrittenOnceAndMissingLedgersAreUserErrors() {
    init(3, AccountantKind.PLD);
    String again =
        assertThrows(InvalidInputException.class, () -> init(5, AccountantKind.RDP)).getMessage();
    assertTrue(again.contains("already exists"), again);
    BudgetLedger reopened = BudgetLedger.open(location(), new Configuration());
    assertEquals(3, reopened.budget().epsilon());
    assertEquals(AccountantKind.PLD, reopened.budget().accountant());
    String missing =
        assertThrows(
                InvalidInputException.class,
                () -> BudgetLedger.open(dir.resolve("none").toString(), new Configuration()))
            .getMessage();
    assertTrue(missing.contains("dpsgd ledger init"), missing);
  }

  @Test
  void refusalLeavesTheLedgerByteIdentical() throws IOException {
    BudgetLedger ledger = init(3.0, AccountantKind.RDP);
    ledger.forRun("first").reserve(STEP_A, 0, 2000, null);
    Map<String, String> before = snapshot();
    double spent = ledger.read().spentEpsilon();
    assertTrue(spent < 3.0, "ε " + spent);
    String msg =
        assertThrows(
                InvalidInputException.class,
                () -> ledger.forRun("second").reserve(STEP_A, 0, 2000, null))
            .getMessage();
    assertTrue(msg.contains("refuses this run") && msg.contains("budget ε = 3.0"), msg);
    assertEquals(1, msg.lines().count(), msg);
    assertEquals(before, snapshot(), "a refusal writes nothing");
    // A non-private run has ε = ∞: always refused.
    assertThrows(
        InvalidInputException.class,
        () -> ledger.forRun("np").reserve(new NonPrivateEvent(), 0, 1, null));
    assertEquals(before, snapshot());
    BudgetLedger.Plan plan = ledger.plan(new SelfComposedEvent(STEP_A, 2000));
    assertTrue(!plan.fits() && plan.left() < 0 && plan.total() > plan.spent(), plan.toString());
  }

  @Test
  void crashesAreChargedAndResumedAttemptsReserveOnlyTheExtra() {
    BudgetLedger ledger = init(50, AccountantKind.RDP);
    String ckpt = "hdfs://nn/runs/one-checkpoints";
    PrivacyLedger run = ledger.forRun("sha-one");
    // First attempt: 12 steps; its checkpoints reserved 10 when it died after step 7.
    run.reserve(STEP_A, 0, 12, ckpt);
    // The resumed attempt: 10 charged earlier, runs steps 6..12 (7 more) = 17 in all.
    PrivacyLedger.Reservation second = run.reserve(STEP_A, 10, 7, ckpt);
    LedgerState s = ledger.read();
    assertEquals(1, s.runs().size(), "the same run");
    LedgerRun r = s.runs().get(0);
    assertEquals(17, r.reservedSteps());
    assertEquals(5, r.crashSteps());
    assertEquals(2, r.attempts());
    double expected =
        AccountantKind.RDP.create().compose(new SelfComposedEvent(STEP_A, 17)).getEpsilon(1e-5);
    assertEquals(expected, s.spentEpsilon(), 1e-9 * expected);
    second.settle(17);
    assertEquals("settled", ledger.read().runs().get(0).status());
    assertEquals(expected, ledger.read().spentEpsilon(), 1e-9 * expected, "settling keeps it");

    // A third attempt that fails before its first step releases only its own reservation.
    ledger.forRun("sha-two").reserve(STEP_B, 0, 100, "hdfs://nn/runs/two");
    PrivacyLedger.Reservation resumed = run.reserve(STEP_B, 40, 60, "hdfs://nn/runs/two");
    assertEquals(0, ledger.read().runs().get(1).crashSteps(), "covered by the reservation");
    resumed.release();
    assertEquals(100, ledger.read().runs().get(1).reservedSteps());
    assertEquals("reserved", ledger.read().runs().get(1).status());
  }

  @Test
  void aDamagedEntryStopsReservations() throws IOException {
    BudgetLedger ledger = init(50, AccountantKind.RDP);
    ledger.forRun("a").reserve(STEP_A, 0, 10, null);
    Files.writeString(dir.resolve("ledger/entry-000001.json"), "{\"format_version\":1,");
    String msg =
        assertThrows(
                InvalidInputException.class, () -> ledger.forRun("b").reserve(STEP_A, 0, 10, null))
            .getMessage();
    assertTrue(msg.contains("entry-000001.json cannot be read"), msg);
  }

  @Test
  void eventsRoundTripThroughJson() {
    DpEvent e =
        new ComposedEvent(
            List.of(
                new SelfComposedEvent(STEP_A, 1234),
                new PoissonSampledEvent(0.1 + 0.2, new GaussianEvent(Math.PI)),
                new NoOpEvent(),
                new NonPrivateEvent()));
    assertEquals(e, EventJson.read(EventJson.write(e)));
    assertNotEquals(e, EventJson.read(EventJson.write(STEP_B)));
    assertThrows(
        IllegalArgumentException.class,
        () -> EventJson.read(EventJson.JSON.createObjectNode().put("type", "laplace")));
  }

  private static List<String> statuses(LedgerState s) {
    return s.runs().stream().map(LedgerRun::status).toList();
  }

  private Map<String, String> snapshot() throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        m.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? Files.readString(p) : "");
      }
    }
    return m;
  }
}
