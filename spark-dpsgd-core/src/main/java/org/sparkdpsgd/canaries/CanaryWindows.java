package org.sparkdpsgd.canaries;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.text.TextCorpus;

/**
 * A canary plan's training records as a language model's examples: each record (a canary's text,
 * repeated as often as it is to be inserted) cut into windows exactly as {@link TextCorpus} cuts a
 * corpus's records, as rows of {@link TextCorpus#schema()}.
 */
public final class CanaryWindows {
  private CanaryWindows() {}

  /** The rows of every record of {@link CanaryPlan#trainingRecords()}, in the plan's order. */
  public static List<Row> rows(CanaryPlan plan, int window) {
    return rows(plan, window, false);
  }

  /**
   * As above; {@code withRecords} adds each record's id ({@link TextCorpus#recordId}): the copies
   * of one canary share it, as the copies of one person's secret would share its owner.
   */
  public static List<Row> rows(CanaryPlan plan, int window, boolean withRecords) {
    List<Row> rows = new ArrayList<>();
    for (String record : plan.trainingRecords()) {
      rows.addAll(TextCorpus.windowRows(record, window, withRecords));
    }
    return rows;
  }

  /**
   * {@code trainingWindows} (rows of {@link TextCorpus#schema()}, or of {@link
   * TextCorpus#schemaWithRecords()}) with the canaries' rows added, in the same form.
   */
  public static Dataset<Row> addTo(Dataset<Row> trainingWindows, CanaryPlan plan, int window) {
    boolean withRecords = Arrays.asList(trainingWindows.columns()).contains(TextCorpus.RECORD_COL);
    return trainingWindows.union(
        trainingWindows
            .sparkSession()
            .createDataFrame(
                rows(plan, window, withRecords),
                withRecords ? TextCorpus.schemaWithRecords() : TextCorpus.schema()));
  }
}
