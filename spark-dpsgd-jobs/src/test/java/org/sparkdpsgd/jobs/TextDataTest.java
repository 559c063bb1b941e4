package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.text.CorpusSplit;
import org.sparkdpsgd.text.RecordSeparator;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.text.TextWindows;
import org.sparkdpsgd.util.InvalidInputException;

/** data.format = text | fortunes, from the settings to the packed blocks. */
class TextDataTest {
  @TempDir Path dir;

  private static JobConfig config(String... sets) {
    return JobConfig.load(null, List.of(sets));
  }

  @Test
  void fortunesDefaultToTheDebianDirectoryAndTestOnItsOtherSide() {
    DataPaths fortunes = DataPaths.of(config("data.format=fortunes"));
    assertEquals(TextCorpus.FORTUNES_DIR, fortunes.train());
    assertEquals(TextCorpus.FORTUNES_DIR, fortunes.test());
    assertFalse(fortunes.testIsTrainingData()); // the sides never share a record
    DataPaths text = DataPaths.of(config("data.format=text", "data.train=/c.txt"));
    assertEquals("/c.txt", text.test());
    assertNull(DataPaths.of(config("data.format=text", "data.train=/c", "data.test=\"\"")).test());
    String m =
        assertThrows(InvalidInputException.class, () -> DataPaths.of(config("data.format=text")))
            .getMessage();
    assertTrue(m.startsWith("data.train is not set"), m);
  }

  @Test
  void windowAndSeparatorComeFromTheSettings() {
    TextSettings defaults = TextSettings.of(config());
    assertEquals(64, defaults.window());
    assertEquals(RecordSeparator.FORTUNES, defaults.separatorFor("fortunes"));
    assertEquals(RecordSeparator.LINES, defaults.separatorFor("text"));
    TextSettings set = TextSettings.of(config("data.window=8", "data.record-separator=%%"));
    assertEquals(8, set.window());
    assertEquals(new RecordSeparator("%%"), set.separatorFor("text"));
    assertEquals(
        RecordSeparator.LINES,
        TextSettings.of(config("data.record-separator=\\n")).separatorFor("fortunes"));
  }

  @Test
  void badSettingsNameTheKeyAndWhereItWasSet() {
    String m =
        assertThrows(InvalidInputException.class, () -> TextSettings.of(config("data.window=1")))
            .getMessage();
    assertTrue(
        m.startsWith(
            "window must be >= 2; provided value: 1 (setting 'data.window' from --set data.window=1"),
        m);
    m =
        assertThrows(
                InvalidInputException.class,
                () -> TextSettings.of(config("data.record-separator=\"\"")))
            .getMessage();
    assertTrue(
        m.startsWith("recordSeparator must be") && m.contains("setting 'data.record-separator'"),
        m);
  }

  /** Every window of the training side reaches the blocks: 9 ids each, 98 classes declared. */
  @Test
  void aCorpusBecomesBlocksOfWindows() throws IOException {
    List<String> records =
        List.of("hello world", "record 0\nsecond line", "record 7", "abcdefghijklmnopqrstuvwxyz");
    Files.writeString(dir.resolve("fortunes"), String.join("\n%\n", records) + "\n%\n");
    Files.writeString(dir.resolve("fortunes.dat"), "ignored");
    long trainWindows =
        records.stream()
            .filter(r -> CorpusSplit.of(r) == CorpusSplit.TRAIN)
            .mapToLong(r -> TextWindows.of(r, 8).length)
            .sum();
    // Two lines of 20 targets and the alphabet's 26; the others hash to the test side.
    assertEquals(3 + 4, trainWindows);
    Dataset<Row> rows =
        DataLoader.load(
            DataLoaderTest.spark(),
            "fortunes",
            dir.toString(),
            true,
            "features",
            "label",
            0,
            0,
            TextSettings.of(config("data.window=8")));
    // One file, one partition: the windows' targets in order are the training records' text after
    // its first character, each with its newline.
    StringBuilder targets = new StringBuilder();
    for (Row r : rows.collectAsList()) {
      int[] ids =
          Arrays.stream(((Vector) r.getAs("features")).toArray()).mapToInt(d -> (int) d).toArray();
      targets.append(CharVocabulary.decode(ids, 1, ids.length));
    }
    assertEquals("ecord 0\nsecond line\n" + "bcdefghijklmnopqrstuvwxyz\n", targets.toString());
    try (TrainingBlocks blocks =
        TrainingBlocks.prepare(rows, "features", "label", 0, 0, 100, "training data")) {
      assertEquals(trainWindows, blocks.numExamples());
      assertEquals(9, blocks.dim());
      assertEquals(CharVocabulary.SIZE, blocks.numClasses());
    }
  }

  @Test
  void aMissingCorpusIsNamed() {
    String missing = dir.resolve("nope").toString();
    String e =
        CliErrorsTest.userError(
            "train",
            "--format",
            "text",
            "--train",
            missing,
            "--output",
            dir.resolve("out").toString(),
            "--set",
            "spark.master=local[1]");
    assertEquals("dpsgd: error: no such file or directory: " + missing, e);
  }
}
