package org.sparkdpsgd.privacy;

import java.io.Serializable;

/**
 * An immutable description of a differentially private mechanism, in the algebra of Google's
 * dp_accounting: accountants consume events, events know nothing of accounting.
 */
public sealed interface DpEvent extends Serializable
    permits GaussianEvent, PoissonSampledEvent, SelfComposedEvent, ComposedEvent, NoOpEvent, NonPrivateEvent {}
