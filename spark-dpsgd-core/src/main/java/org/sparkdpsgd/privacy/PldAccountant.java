package org.sparkdpsgd.privacy;

import java.util.List;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Privacy-loss-distribution accountant (add-or-remove-one neighbours), in the manner of
 * dp_accounting's PLDAccountant: each Gaussian or Poisson-sampled Gaussian event becomes a
 * pessimistic ("connect the dots") discretised PLD per direction (events normalised in one
 * traversal by {@link EventTerms}), repeated events are self-composed by FFT, and ε is the larger
 * of the two directions' ε. Tighter than RDP.
 *
 * <p>Composition is lazy: {@link #compose} validates and records (a training loop composes the same
 * step thousands of times), the distributions are built when ε or δ is asked for.
 */
public final class PldAccountant implements PrivacyAccountant {
  public static final double DEFAULT_VALUE_DISCRETIZATION_INTERVAL = 1e-4;

  private final double h;
  private final EventHistory history = new EventHistory();
  private final java.util.List<EventTerms> composed = new java.util.ArrayList<>();
  private PldPmf[] cached;

  public PldAccountant() {
    this(DEFAULT_VALUE_DISCRETIZATION_INTERVAL);
  }

  public PldAccountant(double valueDiscretizationInterval) {
    this.h = Checks.positive("value discretization interval", valueDiscretizationInterval);
  }

  @Override
  public PldAccountant compose(DpEvent event) {
    EventTerms terms = EventTerms.of(event);
    String problem = problem(terms);
    if (problem != null) { // before any state changes
      throw new InvalidInputException(
          "the PLD accountant cannot analyse " + event + ": " + problem);
    }
    composed.add(terms);
    history.add(event);
    cached = null;
    return this;
  }

  @Override
  public boolean supports(DpEvent event) {
    return problem(EventTerms.of(event)) == null;
  }

  /** Why the terms cannot be analysed here, or null. */
  private static String problem(EventTerms terms) {
    if (!terms.supported()) {
      return terms.unsupported();
    }
    return terms.nonPrivateReleases() > 0
        ? "a release without privacy has no privacy loss distribution"
        : null;
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
      for (EventTerms terms : composed) {
        for (EventTerms.Term t : terms.terms()) {
          PldPmf[] d = build(t.mechanism());
          remove = remove.compose(d[0].selfCompose(Math.toIntExact(t.count())));
          add = add.compose(d[1].selfCompose(Math.toIntExact(t.count())));
        }
      }
      cached = new PldPmf[] {remove, add};
    }
    return cached;
  }

  /** The two directions' discretised PLDs of one Poisson-sampled Gaussian mechanism. */
  private PldPmf[] build(EventTerms.Mechanism m) {
    double q = m.samplingProbability();
    if (q == 0) {
      return new PldPmf[] {PldPmf.identity(h), PldPmf.identity(h)};
    }
    if (m.noiseMultiplier() == 0) {
      PldPmf infinite = new PldPmf(h, 0, new double[] {0.0}, 1.0);
      return new PldPmf[] {infinite, infinite};
    }
    return new PldPmf[] {
      PldPmf.connectTheDots(
          new SubsampledGaussianProfile(
              q, m.noiseMultiplier(), SubsampledGaussianProfile.Direction.REMOVE),
          h),
      PldPmf.connectTheDots(
          new SubsampledGaussianProfile(
              q, m.noiseMultiplier(), SubsampledGaussianProfile.Direction.ADD),
          h)
    };
  }
}
