package org.sparkdpsgd.privacy;

import java.io.Serializable;

/**
 * An immutable description of a differentially private mechanism, in the algebra of Google's
 * dp_accounting: accountants consume events, events know nothing of accounting.
 */
public sealed interface DpEvent extends Serializable
    permits GaussianEvent,
        PoissonSampledEvent,
        SelfComposedEvent,
        ComposedEvent,
        NoOpEvent,
        NonPrivateEvent {

  /** Dispatches on the kind of event: one method per kind, so a new kind cannot be forgotten. */
  <R> R accept(Visitor<R> visitor);

  /** One method per kind of event. */
  interface Visitor<R> {
    R gaussian(GaussianEvent e);

    R poissonSampled(PoissonSampledEvent e);

    R selfComposed(SelfComposedEvent e);

    R composed(ComposedEvent e);

    R noOp();

    R nonPrivate();
  }
}
