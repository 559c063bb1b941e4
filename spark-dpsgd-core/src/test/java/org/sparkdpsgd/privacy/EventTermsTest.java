package org.sparkdpsgd.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one traversal both accountants use: nested events flatten to mechanisms with counts. */
class EventTermsTest {
  private static final DpEvent STEP = new PoissonSampledEvent(0.01, new GaussianEvent(1.1));

  @Test
  void nestedCompositionsFlattenAndMergeEqualMechanisms() {
    DpEvent event =
        new ComposedEvent(
            List.of(
                new SelfComposedEvent(STEP, 100),
                new NoOpEvent(),
                new SelfComposedEvent(new ComposedEvent(List.of(STEP, new GaussianEvent(3))), 5)));
    EventTerms t = EventTerms.of(event);
    assertTrue(t.supported());
    assertEquals(
        List.of(
            new EventTerms.Term(new EventTerms.Mechanism(0.01, 1.1), 105),
            new EventTerms.Term(new EventTerms.Mechanism(1.0, 3.0), 5)),
        t.terms());
    assertEquals(0, t.nonPrivateReleases());
  }

  @Test
  void unsupportedEventsAreNamedWithoutExceptions() {
    DpEvent bad =
        new SelfComposedEvent(new PoissonSampledEvent(0.1, new ComposedEvent(List.of(STEP))), 3);
    EventTerms t = EventTerms.of(bad);
    assertFalse(t.supported());
    assertTrue(
        t.unsupported().contains("Poisson sampling of a Gaussian event only"), t.unsupported());
    assertFalse(new RdpAccountant().supports(bad));
    assertFalse(new PldAccountant().supports(bad));
  }

  @Test
  void nonPrivateReleasesAreCountedRdpInfinitePldUnsupported() {
    DpEvent event =
        new ComposedEvent(List.of(STEP, new SelfComposedEvent(new NonPrivateEvent(), 2)));
    assertEquals(2, EventTerms.of(event).nonPrivateReleases());
    assertTrue(Double.isInfinite(new RdpAccountant().compose(event).getEpsilon(1e-5)));
    assertFalse(new PldAccountant().supports(event));
  }
}
