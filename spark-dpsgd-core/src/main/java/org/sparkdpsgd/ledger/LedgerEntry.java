package org.sparkdpsgd.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.sparkdpsgd.privacy.DpEvent;

/**
 * One immutable file of a ledger, {@code entry-<seq, 6+ digits>.json}. Entries are only ever added:
 * a run's state is the sum of its entries.
 *
 * <ul>
 *   <li>{@code reserve}: an attempt of run {@code run} will charge {@code event} ({@code steps}
 *       steps of {@code stepEvent}); written before its first step. A resumed attempt's reserve
 *       holds only what its run's earlier reservations do not cover ({@code earlierSteps} is what
 *       its checkpoints say earlier attempts charged).
 *   <li>{@code release}: the attempt whose reserve is entry {@code releases} failed before it
 *       charged any step; that reservation no longer counts.
 *   <li>{@code settle}: run {@code run} completed after charging {@code steps} steps in all.
 * </ul>
 *
 * @param event null except in a reserve
 * @param totalEpsilon the ledger's total ε once this entry counts (reserve only; NaN otherwise)
 */
record LedgerEntry(
    long seq,
    String kind,
    String run,
    String time,
    String user,
    String configSha256,
    String checkpoint,
    DpEvent stepEvent,
    long steps,
    long earlierSteps,
    DpEvent event,
    double epsilon,
    double totalEpsilon,
    long releases) {
  static final int FORMAT_VERSION = 1;
  static final String RESERVE = "reserve";
  static final String RELEASE = "release";
  static final String SETTLE = "settle";
  static final String NAME_REGEX = "entry-[0-9]{6,}\\.json";

  static String fileName(long seq) {
    return String.format(Locale.ROOT, "entry-%06d.json", seq);
  }

  static long seqOf(String fileName) {
    return Long.parseLong(
        fileName.substring("entry-".length(), fileName.length() - ".json".length()));
  }

  boolean isReserve() {
    return RESERVE.equals(kind);
  }

  LedgerEntry withSeq(long s) {
    return new LedgerEntry(
        s,
        kind,
        run,
        time,
        user,
        configSha256,
        checkpoint,
        stepEvent,
        steps,
        earlierSteps,
        event,
        epsilon,
        totalEpsilon,
        releases);
  }

  LedgerEntry withTotal(double total) {
    return new LedgerEntry(
        seq,
        kind,
        run,
        time,
        user,
        configSha256,
        checkpoint,
        stepEvent,
        steps,
        earlierSteps,
        event,
        epsilon,
        total,
        releases);
  }

  byte[] toJson() {
    ObjectNode n = EventJson.JSON.createObjectNode();
    n.put("format_version", FORMAT_VERSION);
    n.put("seq", seq);
    n.put("kind", kind);
    n.put("run", run);
    n.put("time", time);
    n.put("user", user);
    if (isReserve()) {
      n.put("config_sha256", configSha256);
      n.put("checkpoint", checkpoint);
      n.set("step_event", EventJson.write(stepEvent));
      n.put("steps", steps);
      n.put("earlier_steps", earlierSteps);
      n.set("event", EventJson.write(event));
      n.put("epsilon", epsilon);
      n.put("total_epsilon", totalEpsilon);
    } else if (RELEASE.equals(kind)) {
      n.put("releases", releases);
    } else {
      n.put("steps", steps);
    }
    return (n.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static LedgerEntry fromJson(byte[] bytes) throws IOException {
    JsonNode n = EventJson.JSON.readTree(bytes);
    int version = n.path("format_version").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new IOException("unsupported entry format version " + version);
    }
    String kind = n.path("kind").asText();
    if (!RESERVE.equals(kind) && !RELEASE.equals(kind) && !SETTLE.equals(kind)) {
      throw new IOException("unknown entry kind '" + kind + "'");
    }
    boolean reserve = RESERVE.equals(kind);
    try {
      return new LedgerEntry(
          n.get("seq").asLong(),
          kind,
          n.get("run").asText(),
          n.path("time").asText(),
          n.path("user").asText(),
          reserve ? n.path("config_sha256").asText() : null,
          reserve && !n.path("checkpoint").isNull() ? n.path("checkpoint").asText() : null,
          reserve ? EventJson.read(n.get("step_event")) : null,
          n.path("steps").asLong(0),
          n.path("earlier_steps").asLong(0),
          reserve ? EventJson.read(n.get("event")) : null,
          n.path("epsilon").asDouble(Double.NaN),
          n.path("total_epsilon").asDouble(Double.NaN),
          n.path("releases").asLong(-1));
    } catch (RuntimeException e) {
      throw new IOException("malformed entry: " + LedgerFiles.firstLine(e), e);
    }
  }
}
