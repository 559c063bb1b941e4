package org.sparkdpsgd.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/** One contract, run against every accountant. */
class AccountantContractTest {
  abstract static class Contract {
    abstract PrivacyAccountant fresh();

    final DpEvent step = new PoissonSampledEvent(0.02, new GaussianEvent(1.2));

    @Test
    void aFreshAccountantHasSpentNothing() {
      assertEquals(0.0, fresh().getEpsilon(1e-5), 1e-12);
      assertTrue(fresh().history().isEmpty());
    }

    @Test
    void epsilonGrowsWithStepsAndDeltaShrinksWithEpsilon() {
      double e100 = fresh().compose(step, 100).getEpsilon(1e-5);
      double e400 = fresh().compose(step, 400).getEpsilon(1e-5);
      assertTrue(e100 > 0 && e400 > e100, e100 + " then " + e400);
      PrivacyAccountant a = fresh().compose(step, 400);
      assertTrue(a.getDelta(e400 * 1.5) < a.getDelta(e400 * 0.8));
    }

    @Test
    void composingStepByStepEqualsSelfComposition() {
      PrivacyAccountant a = fresh();
      for (int i = 0; i < 50; i++) {
        a.compose(step);
      }
      double byStep = a.getEpsilon(1e-5);
      assertEquals(fresh().compose(step, 50).getEpsilon(1e-5), byStep, 1e-9 * byStep);
      assertEquals(List.of(new SelfComposedEvent(step, 50)), a.history());
    }

    @Test
    void unsupportedEventsAreRejectedBeforeAnyStateChanges() {
      PrivacyAccountant a = fresh().compose(step, 10);
      double before = a.getEpsilon(1e-5);
      DpEvent bad =
          new ComposedEvent(List.of(step, new PoissonSampledEvent(0.5, new NonPrivateEvent())));
      assertFalse(a.supports(bad));
      assertThrows(InvalidInputException.class, () -> a.compose(bad));
      assertEquals(before, a.getEpsilon(1e-5));
      assertEquals(1, a.history().size());
    }

    @Test
    void noOpChangesNothingAndComposedEqualsSequential() {
      PrivacyAccountant a = fresh().compose(step, 20).compose(new NoOpEvent());
      PrivacyAccountant b =
          fresh()
              .compose(
                  new ComposedEvent(
                      List.of(new SelfComposedEvent(step, 10), new SelfComposedEvent(step, 10))));
      assertEquals(a.getEpsilon(1e-5), b.getEpsilon(1e-5), 1e-9);
    }
  }

  @Nested
  class Rdp extends Contract {
    @Override
    PrivacyAccountant fresh() {
      return new RdpAccountant();
    }
  }

  @Nested
  class Pld extends Contract {
    @Override
    PrivacyAccountant fresh() {
      return new PldAccountant();
    }
  }
}
