package org.sparkdpsgd.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.util.InvalidInputException;

/** A directory of fortune-like files read through Spark, as the fortunes package lays them out. */
class TextCorpusTest {
  @TempDir Path dir;

  /** Every record the two fortune files hold, blank ones left out. */
  private final List<String> records = new ArrayList<>();

  private final SparkSession spark = SparkTestSession.get();

  @BeforeEach
  void writeFortunes() throws IOException {
    // A fortune that ends with a blank line puts "\n\n%\n" in the file: a reader that restarts
    // its match of the delimiter "\n%\n" at the wrong byte would miss the separator.
    List<String> first = new ArrayList<>(List.of("hello world", "ends with a blank line\n"));
    List<String> second = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String r = i == 3 ? "record 3\n  a second line, indented" : "record " + i;
      (i < 15 ? first : second).add(r);
    }
    first.forEach(r -> records.add(r.strip()));
    records.addAll(second);
    // The first file ends with a separator line and holds a blank fortune; the second starts
    // with a separator line and ends without one.
    Files.writeString(
        dir.resolve("wit"), String.join("\n%\n", first) + "\n%\n   \n%\n", StandardCharsets.UTF_8);
    Files.writeString(
        dir.resolve("wisdom"), "%\n" + String.join("\n%\n", second) + "\n", StandardCharsets.UTF_8);
    // strfile's index, with text that must not be read, and the UTF-8 twin Debian links beside
    // each file.
    Files.write(
        dir.resolve("wit.dat"),
        "\u0000\u0002\u00ff\n%\nsecret index\n%\n".getBytes(StandardCharsets.ISO_8859_1));
    Files.createSymbolicLink(dir.resolve("wit.u8"), dir.resolve("wit"));
  }

  private static List<int[]> ids(Dataset<Row> rows) {
    List<int[]> out = new ArrayList<>();
    for (Row r : rows.collectAsList()) {
      Vector v = r.getAs("features");
      int[] x = new int[v.size()];
      for (int k = 0; k < x.length; k++) {
        x[k] = (int) v.apply(k);
        assertEquals(x[k], v.apply(k), 0.0);
      }
      assertEquals(0.0, r.getDouble(1));
      out.add(x);
    }
    return out;
  }

  /** The records of one side, each read back from its one window (all records are short). */
  private List<String> side(CorpusSplit split, long maxSplitBytes) {
    Dataset<Row> rows =
        TextCorpus.load(spark, dir.toString(), RecordSeparator.FORTUNES, 64, split, maxSplitBytes);
    List<String> texts = new ArrayList<>();
    for (int[] x : ids(rows)) {
      assertEquals(65, x.length);
      String text = CharVocabulary.decode(x, 0, x.length);
      assertTrue(text.endsWith("\n"), text);
      texts.add(text.substring(0, text.length() - 1));
    }
    texts.sort(null);
    return texts;
  }

  @Test
  void aKnownRecordGivesItsWindows() {
    Dataset<Row> test =
        TextCorpus.load(spark, dir.toString(), RecordSeparator.FORTUNES, 4, CorpusSplit.TEST);
    assertEquals(5, ((Vector) test.first().getAs("features")).size());
    List<int[]> rows = ids(test);
    int at = -1;
    for (int k = 0; k < rows.size(); k++) {
      if (rows.get(k)[0] == 75 && rows.get(k)[1] == 72) { // "he"
        at = k;
      }
    }
    assertTrue(at >= 0, "the windows of 'hello world' (a test record) are missing");
    assertArrayEquals(new int[] {75, 72, 79, 79, 82}, rows.get(at));
    assertArrayEquals(new int[] {82, 3, 90, 82, 85}, rows.get(at + 1));
    assertArrayEquals(
        new int[] {85, 79, 71, CharVocabulary.NEWLINE, CharVocabulary.PAD}, rows.get(at + 2));
    NominalAttribute label =
        (NominalAttribute) Attribute.fromStructField(test.schema().apply("label"));
    assertEquals(CharVocabulary.SIZE, label.getNumValues().get());
  }

  /**
   * With records: every window carries its record's id, a function of the text alone (the first 8
   * bytes of its SHA-256), so the windows of one record share it and exact copies collide into one
   * unit; the windows themselves are the same as without ids.
   */
  @Test
  void windowsCarryTheirRecordsId() throws java.security.NoSuchAlgorithmException {
    Dataset<Row> plain =
        TextCorpus.load(spark, dir.toString(), RecordSeparator.FORTUNES, 4, CorpusSplit.TRAIN);
    Dataset<Row> withIds =
        TextCorpus.loadWithRecords(
            spark, dir.toString(), RecordSeparator.FORTUNES, 4, CorpusSplit.TRAIN);
    assertEquals(TextCorpus.schemaWithRecords(), withIds.schema());
    List<int[]> a = ids(plain);
    List<int[]> b = ids(withIds.drop(TextCorpus.RECORD_COL));
    assertEquals(a.size(), b.size());
    for (int k = 0; k < a.size(); k++) {
      assertArrayEquals(a.get(k), b.get(k));
    }
    // "record 12" has three windows of 4 characters ("reco", "rd 1", "2\n" padded): one id.
    long expected =
        java.nio.ByteBuffer.wrap(
                java.security.MessageDigest.getInstance("SHA-256")
                    .digest("record 12".getBytes(StandardCharsets.UTF_8)))
            .getLong();
    assertEquals(expected, TextCorpus.recordId("record 12"));
    assertEquals(CorpusSplit.TRAIN, CorpusSplit.of("record 12"), "a training record");
    long windowsOf12 =
        withIds.filter(org.apache.spark.sql.functions.col("record").equalTo(expected)).count();
    assertEquals(3, windowsOf12);
    assertEquals(
        withIds.select("record").distinct().count(),
        side(CorpusSplit.TRAIN, 0).size(),
        "one id per training record");
    assertEquals(TextCorpus.recordId("same text"), TextCorpus.recordId(new String("same text")));
  }

  @Test
  void trainAndTestAreDisjointAndHoldEveryRecordOnce() {
    List<String> train = side(CorpusSplit.TRAIN, 0);
    List<String> test = side(CorpusSplit.TEST, 0);
    // "hello world", "record 7", 18, 22 and 26 hash to the test side (pinned in RecordRulesTest).
    assertEquals(List.of("hello world", "record 18", "record 22", "record 26", "record 7"), test);
    List<String> all = new ArrayList<>(train);
    all.addAll(test);
    all.sort(null);
    List<String> expected = new ArrayList<>(records);
    expected.sort(null);
    // No "secret index" (the .dat file), no fortune twice (the .u8 link), no blank one.
    assertEquals(expected, all);
    Set<String> overlap = new HashSet<>(train);
    overlap.retainAll(test);
    assertEquals(Set.of(), overlap);
  }

  @Test
  void theSplitDoesNotDependOnThePartitioning() {
    int whole =
        TextCorpus.records(spark, dir.toString(), RecordSeparator.FORTUNES, 0).getNumPartitions();
    int pieces =
        TextCorpus.records(spark, dir.toString(), RecordSeparator.FORTUNES, 16).getNumPartitions();
    assertEquals(2, whole);
    assertTrue(pieces > 10, "partitions of 16-byte splits: " + pieces);
    assertEquals(side(CorpusSplit.TRAIN, 0), side(CorpusSplit.TRAIN, 16));
    assertEquals(side(CorpusSplit.TEST, 0), side(CorpusSplit.TEST, 16));
  }

  @Test
  void linesAreRecordsWhenTheSeparatorIsTheNewline() throws IOException {
    Path file =
        Files.writeString(dir.resolve("lines.txt"), "hello world\n\nrecord 7\r\nrecord 1\n");
    Dataset<Row> test =
        TextCorpus.load(spark, file.toString(), RecordSeparator.LINES, 16, CorpusSplit.TEST);
    List<String> texts = new ArrayList<>();
    for (int[] x : ids(test)) {
      texts.add(CharVocabulary.decode(x, 0, x.length));
    }
    texts.sort(null);
    assertEquals(List.of("hello world\n", "record 7\n"), texts);
  }

  @Test
  void mistakesAreNamedInOneLine() throws IOException {
    Path nothing = dir.resolve("nothing");
    String m = loadFails(nothing.toString(), 8);
    assertEquals("no such file or directory: " + nothing, m);
    Path indexes = Files.createDirectory(dir.resolve("indexes"));
    Files.writeString(indexes.resolve("wit.dat"), "x");
    m = loadFails(indexes.toString(), 8);
    assertTrue(m.startsWith(indexes + ": no text files there"), m);
    Path blank = Files.writeString(dir.resolve("blank"), "%\n \n%\n%\n");
    m = loadFails(blank.toString(), 8);
    assertTrue(m.startsWith(blank + ": no records found"), m);
    m = loadFails(dir.toString(), 1);
    assertEquals("window must be >= 2; provided value: 1", m);
  }

  private String loadFails(String location, int window) {
    String m =
        assertThrows(
                InvalidInputException.class,
                () ->
                    TextCorpus.load(
                        spark, location, RecordSeparator.FORTUNES, window, CorpusSplit.TRAIN))
            .getMessage();
    assertEquals(1, m.lines().count(), m);
    return m;
  }
}
