package org.sparkdpsgd.canaries;

import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;

/**
 * What a {@link SecretSharer} run tells its caller as it goes, model by model ({@link
 * SecretSharer#PRIVATE} first, then {@link SecretSharer#NON_PRIVATE}). Every method does nothing by
 * default.
 */
public interface SecretSharerListener {
  SecretSharerListener NONE = new SecretSharerListener() {};

  /**
   * Both plans are resolved and {@code model} is about to be trained: the place to give {@code
   * trainer} a {@link org.sparkdpsgd.train.ProgressListener}.
   */
  default void beforeTraining(String model, DpSgdTrainer trainer, TrainingPlan plan) {}

  default void afterTraining(String model, TrainingResult result) {}

  /** {@code model}'s score on the test windows (treated as public: it costs no privacy). */
  default void afterEvaluation(String model, Evaluation test) {}
}
