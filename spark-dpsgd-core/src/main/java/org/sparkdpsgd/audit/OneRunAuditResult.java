package org.sparkdpsgd.audit;

import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;

/**
 * What one audited run gives: the trained model and its claimed privacy, the canaries' scores and
 * membership (the audit's private working data: never printed), the guesses and the ε lower bound
 * at {@code confidence}.
 */
public record OneRunAuditResult(
    TrainingResult run,
    TrainingPlan plan,
    double[] scores,
    boolean[] included,
    OneRunGuesses guesses,
    double confidence,
    double epsilonLowerBound) {

  /** The ε the run reports (infinite for a non-private run). */
  public double claimedEpsilon() {
    return run.privacy().epsilon();
  }

  /** True when the measured bound contradicts the claim: the build does not do what it says. */
  public boolean contradictsClaim() {
    return epsilonLowerBound > claimedEpsilon();
  }
}
