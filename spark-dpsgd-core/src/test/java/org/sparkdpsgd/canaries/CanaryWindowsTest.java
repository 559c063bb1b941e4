package org.sparkdpsgd.canaries;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.audit.Canary;
import org.sparkdpsgd.audit.CanaryFormat;
import org.sparkdpsgd.audit.CanaryPlan;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.text.TextWindows;

/** Every canary reaches the training windows exactly as often as the plan says, cut as text is. */
class CanaryWindowsTest {
  private static final CanaryPlan PLAN =
      CanaryPlan.seeded(CanaryFormat.pin(), List.of(1, 4, 16), 2, 7);

  @Test
  void eachCanaryIsInsertedThePlannedNumberOfTimes() {
    // "my pin is dddddd\n": 16 targets, so 4 windows of 4 characters per record.
    int window = 4;
    List<Row> rows = CanaryWindows.rows(PLAN, window);
    assertEquals(2 * (1 + 4 + 16) * 4, rows.size());
    Map<String, Integer> copies = new HashMap<>();
    for (int r = 0; r < rows.size(); r += 4) {
      StringBuilder text = new StringBuilder();
      for (int k = 0; k < 4; k++) {
        int[] ids = ids(rows.get(r + k));
        assertEquals(window + 1, ids.length);
        text.append(CharVocabulary.decode(ids, 0, k == 3 ? window + 1 : window));
      }
      copies.merge(text.toString(), 1, Integer::sum);
    }
    assertEquals(PLAN.canaries().size(), copies.size());
    for (Canary c : PLAN.canaries()) {
      assertEquals(c.insertions(), copies.get(c.text() + "\n"), "copies of a canary");
    }
  }

  @Test
  void addedToACorpusTheyKeepItsSchema() {
    List<Row> corpus = new ArrayList<>();
    for (String line : List.of("hello world", "a second line")) {
      for (int[] w : TextWindows.of(line, 20)) {
        corpus.add(
            RowFactory.create(Vectors.dense(Arrays.stream(w).asDoubleStream().toArray()), 0.0));
      }
    }
    Dataset<Row> df = SparkTestSession.get().createDataFrame(corpus, TextCorpus.schema());
    Dataset<Row> with = CanaryWindows.addTo(df, PLAN, 20);
    // One window per canary record at window 20.
    assertEquals(2 + PLAN.trainingRecords().size(), with.count());
    Attribute label = Attribute.fromStructField(with.schema().apply("label"));
    assertEquals(CharVocabulary.SIZE, ((NominalAttribute) label).getNumValues().get());
  }

  /**
   * Added to windows with record ids, every copy of a canary carries the id of its text: one unit
   * for record-level privacy, as one person's repeated secret.
   */
  @Test
  void withRecordIdsTheCopiesOfACanaryShareOne() {
    List<Row> corpus = new ArrayList<>();
    corpus.addAll(TextCorpus.windowRows("hello world", 20, true));
    Dataset<Row> df =
        SparkTestSession.get().createDataFrame(corpus, TextCorpus.schemaWithRecords());
    Dataset<Row> with = CanaryWindows.addTo(df, PLAN, 20);
    assertEquals(TextCorpus.schemaWithRecords(), with.schema());
    Map<Long, Long> windowsPerId = new HashMap<>();
    for (Row r : with.collectAsList()) {
      windowsPerId.merge(r.getLong(2), 1L, Long::sum);
    }
    assertEquals(1 + PLAN.canaries().size(), windowsPerId.size(), "one id per distinct text");
    for (Canary c : PLAN.canaries()) {
      assertEquals((long) c.insertions(), windowsPerId.get(TextCorpus.recordId(c.text())));
    }
  }

  private static int[] ids(Row r) {
    return Arrays.stream(((Vector) r.get(0)).toArray()).mapToInt(d -> (int) d).toArray();
  }
}
