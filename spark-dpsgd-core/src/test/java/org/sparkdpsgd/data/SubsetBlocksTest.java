package org.sparkdpsgd.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.util.InvalidInputException;

/** {@link TrainingBlocks#subset} against choosing the same rows one at a time on the driver. */
class SubsetBlocksTest {
  /** A row as (block id, features, label), comparable by value. */
  private record Row(long blockId, List<Float> features, int label) {
    static Row of(ExampleBlock b, int r) {
      List<Float> x = new ArrayList<>();
      for (int j = 0; j < b.dim(); j++) {
        x.add(b.features()[r * b.dim() + j]);
      }
      return new Row(b.blockId(), x, b.labels()[r]);
    }
  }

  private static List<Row> rows(List<ExampleBlock> blocks) {
    List<Row> rows = new ArrayList<>();
    for (ExampleBlock b : blocks) {
      for (int r = 0; r < b.rows(); r++) {
        rows.add(Row.of(b, r));
      }
    }
    return rows;
  }

  /** The rows {@code s} chooses, asking it about one row at a time. */
  private static List<Row> oneAtATime(List<ExampleBlock> blocks, RowSubset s) {
    List<Row> rows = new ArrayList<>();
    for (ExampleBlock b : blocks) {
      for (int r = 0; r < b.rows(); r++) {
        if (s.rowsOf(b.blockId(), b.rows())[r]) {
          rows.add(Row.of(b, r));
        }
      }
    }
    return rows;
  }

  @Test
  void keepsExactlyTheChosenRowsAndTheirBlockIds() {
    RowSubset half = RowSubset.half(9);
    try (TrainingBlocks all = SyntheticBlocks.generate(SparkTestSession.jsc(), 1000, 3, 4, 64, 1);
        TrainingBlocks in = all.subset(half);
        TrainingBlocks out = all.subset(half.complement())) {
      List<ExampleBlock> original = all.rdd().collect();
      List<Row> expected = oneAtATime(original, half);
      List<Row> got = rows(in.rdd().collect());
      assertEquals(expected, got);
      assertEquals(expected.size(), in.numExamples());
      assertEquals(1000, in.numExamples() + out.numExamples(), "the halves partition the rows");
      List<Row> union = new ArrayList<>(got);
      union.addAll(rows(out.rdd().collect()));
      assertEquals(
          rows(original).stream().sorted(SubsetBlocksTest::byValue).toList(),
          union.stream().sorted(SubsetBlocksTest::byValue).toList());
      assertEquals(3, in.dim());
      assertEquals(4, in.numClasses());
      assertTrue(in.rdd().getStorageLevel().useMemory(), "cached");
      in.close();
      assertEquals(StorageLevel.NONE(), in.rdd().getStorageLevel());
    }
  }

  @Test
  void listedRowsAndAnEmptySubset() {
    try (TrainingBlocks all = SyntheticBlocks.generate(SparkTestSession.jsc(), 200, 2, 2, 50, 3)) {
      List<ExampleBlock> original = all.rdd().collect();
      RowSubset listed = RowSubset.listed(Map.of(0L, new int[] {49, 0}, 3L, new int[] {7}));
      try (TrainingBlocks some = all.subset(listed)) {
        assertEquals(
            List.of(
                Row.of(original.get(0), 0),
                Row.of(original.get(0), 49),
                Row.of(original.get(3), 7)),
            rows(some.rdd().collect()));
      }
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> all.subset(RowSubset.listed(Map.of())));
      assertTrue(e.getMessage().contains("is empty"), e.getMessage());
    }
  }

  private static int byValue(Row a, Row b) {
    int c = Long.compare(a.blockId(), b.blockId());
    if (c != 0) {
      return c;
    }
    c = Arrays.compare(toArray(a.features()), toArray(b.features()));
    return c != 0 ? c : Integer.compare(a.label(), b.label());
  }

  private static float[] toArray(List<Float> x) {
    float[] a = new float[x.size()];
    for (int k = 0; k < a.length; k++) {
      a[k] = x.get(k);
    }
    return a;
  }
}
