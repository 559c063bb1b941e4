package org.sparkdpsgd.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.util.Checks;

/**
 * A ledger's total budget, {@code budget.json}: written once by {@code dpsgd ledger init} and never
 * changed (a budget that could be raised after the fact would bound nothing). The accountant named
 * here composes every run's events; ε is always computed at this δ, whatever δ each run reports.
 */
public record LedgerBudget(
    double epsilon, double delta, AccountantKind accountant, String created, String user) {
  static final int FORMAT_VERSION = 1;

  public LedgerBudget {
    Checks.positive("epsilon", epsilon);
    Checks.openProbability("delta", delta);
  }

  public String accountantName() {
    return accountant.name().toLowerCase(Locale.ROOT);
  }

  byte[] toJson() {
    ObjectNode n = EventJson.JSON.createObjectNode();
    n.put("format_version", FORMAT_VERSION);
    n.put("epsilon", epsilon);
    n.put("delta", delta);
    n.put("accountant", accountantName());
    n.put("created", created);
    n.put("user", user);
    return (n.toPrettyString() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  static LedgerBudget fromJson(byte[] bytes) throws IOException {
    JsonNode n = EventJson.JSON.readTree(bytes);
    int version = n.path("format_version").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new IOException("unsupported budget format version " + version);
    }
    return new LedgerBudget(
        n.path("epsilon").asDouble(Double.NaN),
        n.path("delta").asDouble(Double.NaN),
        AccountantKind.parse(n.path("accountant").asText()),
        n.path("created").asText(),
        n.path("user").asText());
  }
}
