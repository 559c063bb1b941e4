package org.sparkdpsgd.canaries;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdpsgd.audit.ExposureReport;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.TrainingResult;

/**
 * What a {@link SecretSharer} run produced. {@link #close()} unpersists the cached training
 * windows.
 *
 * @param report the canaries' exposures under both models ({@link SecretSharer#PRIVATE} first)
 * @param dp the DP model
 * @param nonPrivate the same recipe trained without clipping and noise: NO privacy guarantee
 * @param dpTest the DP model's score on the test windows; null when none were given
 * @param nonPrivateTest the non-private model's score on the test windows; null when none were
 *     given
 * @param scoringSeconds the time the two audits took
 * @param trainingWindows the windows both models were trained on, canaries included (cached):
 *     TRAINING TEXT, for {@link Disagreements#sample}
 */
public record SecretSharerResult(
    ExposureReport report,
    TrainingResult dp,
    TrainingResult nonPrivate,
    Evaluation dpTest,
    Evaluation nonPrivateTest,
    double scoringSeconds,
    Dataset<Row> trainingWindows)
    implements AutoCloseable {
  @Override
  public void close() {
    trainingWindows.unpersist();
  }
}
