package org.sparkdpsgd.privacy;

/**
 * Where a run's privacy charge is recorded besides its own accountant: a budget shared by all runs
 * over the same data ({@code org.sparkdpsgd.ledger.BudgetLedger} on a Hadoop path). The trainer
 * calls {@link #reserve} once per attempt, after it has restored its checkpoints and BEFORE its
 * first step; the ledger refuses the attempt there when the budget cannot take it. The interface
 * lives here, beside the events it speaks of, so that neither the trainer nor the ledger imports
 * the other.
 */
public interface PrivacyLedger {
  /**
   * Records that this attempt of a run will charge {@code newSteps} steps of {@code stepEvent},
   * after {@code earlierSteps} charged by interrupted attempts of the same run (restored from its
   * checkpoints). Throws {@link org.sparkdpsgd.util.InvalidInputException} and records nothing when
   * the budget cannot take it.
   *
   * @param checkpoint the run's checkpoint directory, fully qualified (null without checkpoints):
   *     the attempts of one run are recognised by it
   */
  Reservation reserve(DpEvent stepEvent, long earlierSteps, long newSteps, String checkpoint);

  /** What an attempt says once it is over. */
  interface Reservation {
    /** The attempt failed before it charged any step: its reservation no longer counts. */
    void release();

    /** The run completed, having charged {@code chargedSteps} steps over all its attempts. */
    void settle(long chargedSteps);

    /** A line for the run's progress output, e.g. where the reservation was recorded. */
    String describe();
  }
}
