package org.sparkdpsgd.membership;

import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;

/**
 * What a {@link MembershipInference} run tells its caller as it goes. Models are named {@link
 * MembershipInference#PRIVATE} and {@link MembershipInference#NON_PRIVATE}; {@code reference} is -1
 * for the target model and 0, 1, ... for its reference models. Every method does nothing by
 * default.
 */
public interface MembershipInferenceListener {
  MembershipInferenceListener NONE = new MembershipInferenceListener() {};

  /**
   * A model is about to be trained (its plan resolved): the place to give {@code trainer} a {@link
   * org.sparkdpsgd.train.ProgressListener}.
   */
  default void beforeTraining(
      String model, int reference, DpSgdTrainer trainer, TrainingPlan plan) {}

  default void afterTraining(String model, int reference, TrainingResult result) {}

  /** The attack examples are about to be scored under {@code model}'s target model. */
  default void beforeScoring(String model) {}
}
