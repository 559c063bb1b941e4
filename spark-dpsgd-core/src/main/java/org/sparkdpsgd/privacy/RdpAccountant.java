package org.sparkdpsgd.privacy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Rényi-DP accountant for add-or-remove-one neighbours, agreeing with dp_accounting's
 * RdpAccountant. Supports Gaussian, Poisson-sampled Gaussian, self-composed, composed, no-op and
 * non-private events (normalised in one traversal by {@link EventTerms}). The RDP curve of each
 * mechanism is cached: a training loop composing the same step thousands of times pays for the
 * analysis once.
 */
public final class RdpAccountant implements PrivacyAccountant {
  private final double[] orders;
  private final double[] rdp;
  private final EventHistory history = new EventHistory();
  private final Map<EventTerms.Mechanism, double[]> cache = new HashMap<>();

  public RdpAccountant() {
    this(RdpAnalysis.defaultOrders());
  }

  public RdpAccountant(double[] orders) {
    if (orders.length == 0) {
      throw new InvalidInputException("RDP orders must not be empty");
    }
    for (double a : orders) {
      if (!(a > 1)) {
        throw Checks.fail("RDP order", "> 1", a);
      }
    }
    this.orders = orders.clone();
    this.rdp = new double[orders.length];
  }

  @Override
  public RdpAccountant compose(DpEvent event) {
    double[] increment = rdpOf(EventTerms.of(event), event); // throws before any state changes
    for (int i = 0; i < rdp.length; i++) {
      rdp[i] += increment[i];
    }
    history.add(event);
    return this;
  }

  @Override
  public boolean supports(DpEvent event) {
    return EventTerms.of(event).supported();
  }

  @Override
  public double getEpsilon(double delta) {
    return getEpsilonAndOptimalOrder(delta).epsilon();
  }

  public EpsilonAndOrder getEpsilonAndOptimalOrder(double delta) {
    Checks.closedProbability("delta", delta);
    return RdpAnalysis.epsilon(orders, rdp, delta);
  }

  @Override
  public double getDelta(double epsilon) {
    Checks.nonNegative("epsilon", epsilon);
    return RdpAnalysis.delta(orders, rdp, epsilon);
  }

  @Override
  public List<DpEvent> history() {
    return history.list();
  }

  @Override
  public String name() {
    return "rdp";
  }

  /** The RDP curve (ε at each order) composed so far. */
  public double[] rdp() {
    return rdp.clone();
  }

  public double[] orders() {
    return orders.clone();
  }

  /** The RDP curve of an event's terms: each mechanism's curve times its count, summed. */
  private double[] rdpOf(EventTerms terms, DpEvent event) {
    if (!terms.supported()) {
      throw new InvalidInputException(
          "the RDP accountant cannot analyse " + event + ": " + terms.unsupported());
    }
    if (terms.nonPrivateReleases() > 0) {
      return filled(Double.POSITIVE_INFINITY);
    }
    double[] result = new double[orders.length];
    for (EventTerms.Term t : terms.terms()) {
      if (t.count() == 0) {
        continue; // composing an event zero times spends nothing (and 0 · ∞ would be NaN)
      }
      double[] one =
          cache.computeIfAbsent(
              t.mechanism(),
              m ->
                  RdpAnalysis.poissonSubsampledGaussian(
                      m.samplingProbability(), m.noiseMultiplier(), orders));
      for (int i = 0; i < result.length; i++) {
        result[i] += one[i] * t.count();
      }
    }
    return result;
  }

  private double[] filled(double v) {
    double[] a = new double[orders.length];
    java.util.Arrays.fill(a, v);
    return a;
  }
}
