package org.sparkdpsgd.privacy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An event in the normal form both accountants analyse, found in one traversal: the Gaussian
 * mechanisms it composes, each with its Poisson sampling probability (1 for none) and how often it
 * occurs, and how many releases without any guarantee it holds; or why it cannot be analysed (then
 * {@link #unsupported} says so and nothing else is meaningful).
 */
public record EventTerms(List<Term> terms, long nonPrivateReleases, String unsupported) {
  /** A Poisson-sampled Gaussian mechanism with sampling probability q, composed count times. */
  public record Term(Mechanism mechanism, long count) {}

  /** A Gaussian mechanism of noise multiplier σ on a Poisson sample of rate q. */
  public record Mechanism(double samplingProbability, double noiseMultiplier) {}

  public static EventTerms of(DpEvent event) {
    return event.accept(NORMALISE);
  }

  public boolean supported() {
    return unsupported == null;
  }

  private static EventTerms single(Mechanism m) {
    return new EventTerms(List.of(new Term(m, 1)), 0, null);
  }

  private static EventTerms unsupported(String why) {
    return new EventTerms(List.of(), 0, why);
  }

  private static final EventTerms NOTHING = new EventTerms(List.of(), 0, null);

  private EventTerms times(long count) {
    if (!supported() || count == 1) {
      return this;
    }
    List<Term> scaled = new ArrayList<>();
    for (Term t : terms) {
      scaled.add(new Term(t.mechanism(), t.count() * count));
    }
    return new EventTerms(scaled, nonPrivateReleases * count, null);
  }

  /** Both events, counts of equal mechanisms merged (composition is commutative). */
  private EventTerms plus(EventTerms other) {
    if (!supported()) {
      return this;
    }
    if (!other.supported()) {
      return other;
    }
    Map<Mechanism, Long> counts = new LinkedHashMap<>();
    for (Term t : terms) {
      counts.merge(t.mechanism(), t.count(), Long::sum);
    }
    for (Term t : other.terms) {
      counts.merge(t.mechanism(), t.count(), Long::sum);
    }
    List<Term> merged = new ArrayList<>();
    counts.forEach((m, c) -> merged.add(new Term(m, c)));
    return new EventTerms(merged, nonPrivateReleases + other.nonPrivateReleases, null);
  }

  private static final DpEvent.Visitor<EventTerms> NORMALISE =
      new DpEvent.Visitor<>() {
        @Override
        public EventTerms gaussian(GaussianEvent e) {
          return single(new Mechanism(1.0, e.noiseMultiplier()));
        }

        @Override
        public EventTerms poissonSampled(PoissonSampledEvent e) {
          if (e.event() instanceof GaussianEvent g) {
            return single(new Mechanism(e.samplingProbability(), g.noiseMultiplier()));
          }
          return unsupported(
              "Poisson sampling of a Gaussian event only is supported; provided: " + e.event());
        }

        @Override
        public EventTerms selfComposed(SelfComposedEvent e) {
          return e.event().accept(this).times(e.count());
        }

        @Override
        public EventTerms composed(ComposedEvent e) {
          EventTerms all = NOTHING;
          for (DpEvent part : e.events()) {
            all = all.plus(part.accept(this));
          }
          return all;
        }

        @Override
        public EventTerms noOp() {
          return NOTHING;
        }

        @Override
        public EventTerms nonPrivate() {
          return new EventTerms(List.of(), 1, null);
        }
      };
}
