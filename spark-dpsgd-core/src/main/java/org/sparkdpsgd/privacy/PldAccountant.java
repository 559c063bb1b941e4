package org.sparkdpsgd.privacy;

import java.util.List;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Privacy-loss-distribution accountant (add-or-remove-one neighbours), in the manner of
 * dp_accounting's PLDAccountant: each Gaussian or Poisson-sampled Gaussian event becomes a
 * pessimistic ("connect the dots") discretised PLD per direction, repeated events are
 * self-composed by FFT, and ε is the larger of the two directions' ε. Tighter than RDP.
 *
 * <p>Composition is lazy: {@link #compose} validates and records (a training loop composes the
 * same step thousands of times), the distributions are built when ε or δ is asked for.
 */
public final class PldAccountant implements PrivacyAccountant {
  public static final double DEFAULT_VALUE_DISCRETIZATION_INTERVAL = 1e-4;

  private final double h;
  private final EventHistory history = new EventHistory();
  private PldPmf[] cached;

  public PldAccountant() {
    this(DEFAULT_VALUE_DISCRETIZATION_INTERVAL);
  }

  public PldAccountant(double valueDiscretizationInterval) {
    this.h = Checks.positive("value discretization interval", valueDiscretizationInterval);
  }

  @Override
  public PldAccountant compose(DpEvent event) {
    check(event); // before any state changes
    history.add(event);
    cached = null;
    return this;
  }

  @Override
  public boolean supports(DpEvent event) {
    try {
      check(event);
      return true;
    } catch (InvalidInputException e) {
      return false;
    }
  }

  @Override
  public double getEpsilon(double delta) {
    Checks.closedProbability("delta", delta);
    PldPmf[] pmfs = distributions();
    return Math.max(pmfs[0].epsilonForDelta(delta), pmfs[1].epsilonForDelta(delta));
  }

  @Override
  public double getDelta(double epsilon) {
    Checks.nonNegative("epsilon", epsilon);
    PldPmf[] pmfs = distributions();
    return Math.max(pmfs[0].deltaForEpsilon(epsilon), pmfs[1].deltaForEpsilon(epsilon));
  }

  @Override
  public List<DpEvent> history() {
    return history.list();
  }

  @Override
  public String name() {
    return "pld";
  }

  private PldPmf[] distributions() {
    if (cached == null) {
      PldPmf remove = PldPmf.identity(h);
      PldPmf add = PldPmf.identity(h);
      for (DpEvent e : history.list()) {
        PldPmf[] d = build(e);
        remove = remove.compose(d[0]);
        add = add.compose(d[1]);
      }
      cached = new PldPmf[] {remove, add};
    }
    return cached;
  }

  private PldPmf[] build(DpEvent event) {
    if (event instanceof SelfComposedEvent s) {
      PldPmf[] one = build(s.event());
      return new PldPmf[] {one[0].selfCompose(s.count()), one[1].selfCompose(s.count())};
    }
    if (event instanceof ComposedEvent c) {
      PldPmf remove = PldPmf.identity(h);
      PldPmf add = PldPmf.identity(h);
      for (DpEvent e : c.events()) {
        PldPmf[] d = build(e);
        remove = remove.compose(d[0]);
        add = add.compose(d[1]);
      }
      return new PldPmf[] {remove, add};
    }
    if (event instanceof NoOpEvent) {
      return new PldPmf[] {PldPmf.identity(h), PldPmf.identity(h)};
    }
    double q = 1.0;
    GaussianEvent g;
    if (event instanceof PoissonSampledEvent p) {
      q = p.samplingProbability();
      g = (GaussianEvent) p.event();
    } else {
      g = (GaussianEvent) event;
    }
    if (q == 0) {
      return new PldPmf[] {PldPmf.identity(h), PldPmf.identity(h)};
    }
    if (g.noiseMultiplier() == 0) {
      PldPmf infinite = new PldPmf(h, 0, new double[] {0.0}, 1.0);
      return new PldPmf[] {infinite, infinite};
    }
    return new PldPmf[] {
      PldPmf.connectTheDots(new SubsampledGaussianProfile(q, g.noiseMultiplier(),
          SubsampledGaussianProfile.Direction.REMOVE), h),
      PldPmf.connectTheDots(new SubsampledGaussianProfile(q, g.noiseMultiplier(),
          SubsampledGaussianProfile.Direction.ADD), h)
    };
  }

  private static void check(DpEvent event) {
    if (event instanceof SelfComposedEvent s) {
      check(s.event());
    } else if (event instanceof ComposedEvent c) {
      c.events().forEach(PldAccountant::check);
    } else if (event instanceof PoissonSampledEvent p) {
      if (!(p.event() instanceof GaussianEvent)) {
        throw new InvalidInputException(
            "the PLD accountant supports Poisson sampling of a Gaussian event only; provided: " + p.event());
      }
    } else if (!(event instanceof GaussianEvent) && !(event instanceof NoOpEvent)) {
      throw new InvalidInputException("the PLD accountant does not support " + event);
    }
  }
}
