package org.sparkdpsgd.canaries;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.text.TextWindows;

/**
 * A canary plan's training records as a language model's examples: each record (a canary's text,
 * repeated as often as it is to be inserted) cut into windows exactly as {@link TextCorpus} cuts a
 * corpus's records, as rows of {@link TextCorpus#schema()}.
 */
public final class CanaryWindows {
  private CanaryWindows() {}

  /** The rows of every record of {@link CanaryPlan#trainingRecords()}, in the plan's order. */
  public static List<Row> rows(CanaryPlan plan, int window) {
    List<Row> rows = new ArrayList<>();
    for (String record : plan.trainingRecords()) {
      for (int[] w : TextWindows.of(record, window)) {
        rows.add(RowFactory.create(Vectors.dense(toDoubles(w)), 0.0));
      }
    }
    return rows;
  }

  /**
   * {@code trainingWindows} (rows of {@link TextCorpus#schema()}) with the canaries' rows added.
   */
  public static Dataset<Row> addTo(Dataset<Row> trainingWindows, CanaryPlan plan, int window) {
    return trainingWindows.union(
        trainingWindows.sparkSession().createDataFrame(rows(plan, window), TextCorpus.schema()));
  }

  private static double[] toDoubles(int[] ids) {
    return Arrays.stream(ids).asDoubleStream().toArray();
  }
}
