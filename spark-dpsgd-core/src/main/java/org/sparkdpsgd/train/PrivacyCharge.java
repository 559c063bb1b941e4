package org.sparkdpsgd.train;

import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.NoOpEvent;
import org.sparkdpsgd.privacy.PrivacyAccountant;
import org.sparkdpsgd.privacy.RdpAccountant;

/**
 * The privacy a run has spent: every step that released a noisy update is composed into the
 * accountant, before that update is used. Progress lines show the RDP ε (cheap to update every
 * step) whatever accountant the report uses. A non-private run counts its steps and composes
 * nothing. A run that normalises its features composes the statistics' release once ({@link
 * #chargeRelease}), before the normalised features are used.
 */
final class PrivacyCharge {
  private final DpEvent event;
  private final DpEvent release;
  private boolean released;
  private final boolean nonPrivate;
  private final PrivacyAccountant accountant;
  private final RdpAccountant progress = new RdpAccountant();
  private long charged;
  private long chargedNow;

  PrivacyCharge(TrainingPlan plan, AccountantKind kind) {
    this.event = plan.stepEvent();
    this.release = plan.normalisationEvent();
    this.nonPrivate = plan.nonPrivate();
    this.accountant = kind.create();
  }

  /** Charges {@code steps} steps at once (released by an earlier, interrupted attempt). */
  void chargeEarlier(long steps) {
    if (steps > 0) {
      compose(Math.toIntExact(steps));
    }
    charged += steps;
  }

  /**
   * Charges the one-time release of the feature statistics (a no-op event without normalisation or
   * privacy); a second call is a bug.
   */
  void chargeRelease() {
    if (released) {
      throw new IllegalStateException("the feature statistics were already charged");
    }
    released = true;
    if (!nonPrivate && !(release instanceof NoOpEvent)) {
      accountant.compose(release);
      progress.compose(release);
    }
  }

  /** Whether {@link #chargeRelease} was called. */
  boolean releaseCharged() {
    return released;
  }

  /** Charges one step. */
  void chargeStep() {
    compose(1);
    charged++;
    chargedNow++;
  }

  /** Steps charged by this attempt (not counting those of interrupted attempts). */
  long chargedByThisAttempt() {
    return chargedNow;
  }

  private void compose(int count) {
    if (!nonPrivate) {
      accountant.compose(event, count);
      progress.compose(event, count);
    }
  }

  long charged() {
    return charged;
  }

  /** The RDP ε of what was charged so far (∞ without privacy). */
  double progressEpsilon(double delta) {
    return nonPrivate ? Double.POSITIVE_INFINITY : progress.getEpsilon(delta);
  }

  /** The ε of what was charged so far, by the run's accountant (∞ without privacy). */
  double epsilon(double delta) {
    return nonPrivate ? Double.POSITIVE_INFINITY : accountant.getEpsilon(delta);
  }
}
