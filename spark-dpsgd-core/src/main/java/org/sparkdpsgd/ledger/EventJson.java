package org.sparkdpsgd.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.sparkdpsgd.privacy.ComposedEvent;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.GaussianEvent;
import org.sparkdpsgd.privacy.NoOpEvent;
import org.sparkdpsgd.privacy.NonPrivateEvent;
import org.sparkdpsgd.privacy.PoissonSampledEvent;
import org.sparkdpsgd.privacy.SelfComposedEvent;

/**
 * {@link DpEvent}s as JSON, named after dp_accounting's classes and fields ({@code {"type":
 * "poisson_sampled", "sampling_probability": 0.01, "event": {"type": "gaussian",
 * "noise_multiplier": 1.1}}}). Written through the events' visitor, so a new kind of event cannot
 * be forgotten here, and the privacy records stay free of serialisation annotations. Doubles are
 * written with Jackson's shortest round-trip form: reading gives back the same event, bit for bit.
 */
final class EventJson {
  static final ObjectMapper JSON = new ObjectMapper();

  private EventJson() {}

  static ObjectNode write(DpEvent event) {
    return event.accept(
        new DpEvent.Visitor<ObjectNode>() {
          @Override
          public ObjectNode gaussian(GaussianEvent e) {
            return typed("gaussian").put("noise_multiplier", e.noiseMultiplier());
          }

          @Override
          public ObjectNode poissonSampled(PoissonSampledEvent e) {
            ObjectNode n =
                typed("poisson_sampled").put("sampling_probability", e.samplingProbability());
            n.set("event", write(e.event()));
            return n;
          }

          @Override
          public ObjectNode selfComposed(SelfComposedEvent e) {
            ObjectNode n = typed("self_composed").put("count", e.count());
            n.set("event", write(e.event()));
            return n;
          }

          @Override
          public ObjectNode composed(ComposedEvent e) {
            ObjectNode n = typed("composed");
            e.events().forEach(x -> n.withArray("events").add(write(x)));
            return n;
          }

          @Override
          public ObjectNode noOp() {
            return typed("no_op");
          }

          @Override
          public ObjectNode nonPrivate() {
            return typed("non_private");
          }
        });
  }

  private static ObjectNode typed(String type) {
    return JSON.createObjectNode().put("type", type);
  }

  /** The event {@code n} describes; a malformed one fails with an IllegalArgumentException. */
  static DpEvent read(JsonNode n) {
    String type = n.path("type").asText("");
    return switch (type) {
      case "gaussian" -> new GaussianEvent(number(n, "noise_multiplier"));
      case "poisson_sampled" ->
          new PoissonSampledEvent(number(n, "sampling_probability"), read(n.path("event")));
      case "self_composed" -> new SelfComposedEvent(read(n.path("event")), count(n));
      case "composed" -> {
        List<DpEvent> events = new ArrayList<>();
        n.path("events").forEach(x -> events.add(read(x)));
        yield new ComposedEvent(events);
      }
      case "no_op" -> new NoOpEvent();
      case "non_private" -> new NonPrivateEvent();
      default -> throw new IllegalArgumentException("unknown DP event type '" + type + "'");
    };
  }

  private static double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException(field + " missing or not a number in " + n);
    }
    return v.doubleValue();
  }

  private static int count(JsonNode n) {
    JsonNode v = n.get("count");
    if (v == null || !v.canConvertToInt()) {
      throw new IllegalArgumentException("count missing or not an int in " + n);
    }
    return v.intValue();
  }

  /** Six significant digits, without trailing zeros: 0.1, 0.00426667, 1.1. */
  private static String num(double x) {
    return new java.math.BigDecimal(x)
        .round(new java.math.MathContext(6))
        .stripTrailingZeros()
        .toPlainString();
  }

  /** "1000 × PoissonSampled(q = 0.01, Gaussian(σ = 1.1))", for people. */
  static String describe(DpEvent event) {
    return event.accept(
        new DpEvent.Visitor<String>() {
          @Override
          public String gaussian(GaussianEvent e) {
            return "Gaussian(σ = " + num(e.noiseMultiplier()) + ")";
          }

          @Override
          public String poissonSampled(PoissonSampledEvent e) {
            return "PoissonSampled(q = "
                + num(e.samplingProbability())
                + ", "
                + describe(e.event())
                + ")";
          }

          @Override
          public String selfComposed(SelfComposedEvent e) {
            return e.count() + " × " + describe(e.event());
          }

          @Override
          public String composed(ComposedEvent e) {
            return "["
                + String.join(", ", e.events().stream().map(EventJson::describe).toList())
                + "]";
          }

          @Override
          public String noOp() {
            return "NoOp";
          }

          @Override
          public String nonPrivate() {
            return "NonPrivate";
          }
        });
  }
}
