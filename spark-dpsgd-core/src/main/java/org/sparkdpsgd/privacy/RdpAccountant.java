package org.sparkdpsgd.privacy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Rényi-DP accountant for add-or-remove-one neighbours, agreeing with dp_accounting's
 * RdpAccountant. Supports Gaussian, Poisson-sampled Gaussian, self-composed, composed, no-op
 * and non-private events. The RDP vector of an event is cached: a training loop composing the
 * same step event thousands of times pays for the analysis once.
 */
public final class RdpAccountant implements PrivacyAccountant {
  private final double[] orders;
  private final double[] rdp;
  private final EventHistory history = new EventHistory();
  private final Map<DpEvent, double[]> cache = new HashMap<>();

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
    double[] increment = rdpOf(event); // throws before any state changes
    for (int i = 0; i < rdp.length; i++) {
      rdp[i] += increment[i];
    }
    history.add(event);
    return this;
  }

  @Override
  public boolean supports(DpEvent event) {
    try {
      rdpOf(event);
      return true;
    } catch (InvalidInputException e) {
      return false;
    }
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

  private double[] rdpOf(DpEvent event) {
    double[] cached = cache.get(event);
    if (cached != null) {
      return cached;
    }
    double[] result;
    if (event instanceof NoOpEvent) {
      result = new double[orders.length];
    } else if (event instanceof NonPrivateEvent) {
      result = filled(Double.POSITIVE_INFINITY);
    } else if (event instanceof GaussianEvent g) {
      result = RdpAnalysis.poissonSubsampledGaussian(1.0, g.noiseMultiplier(), orders);
    } else if (event instanceof PoissonSampledEvent p) {
      if (!(p.event() instanceof GaussianEvent g)) {
        throw new InvalidInputException(
            "the RDP accountant supports Poisson sampling of a Gaussian event only; provided: " + p.event());
      }
      result = RdpAnalysis.poissonSubsampledGaussian(p.samplingProbability(), g.noiseMultiplier(), orders);
    } else if (event instanceof SelfComposedEvent s) {
      result = scaled(rdpOf(s.event()), s.count());
    } else {
      result = new double[orders.length];
      for (DpEvent e : ((ComposedEvent) event).events()) {
        double[] part = rdpOf(e);
        for (int i = 0; i < result.length; i++) {
          result[i] += part[i];
        }
      }
    }
    if (cache.size() < 64) {
      cache.put(event, result);
    }
    return result;
  }

  private double[] filled(double v) {
    double[] a = new double[orders.length];
    java.util.Arrays.fill(a, v);
    return a;
  }

  private static double[] scaled(double[] v, int count) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      // 0 · ∞ stays 0: composing an event zero times spends nothing.
      out[i] = count == 0 ? 0 : v[i] * count;
    }
    return out;
  }
}
