package org.sparkdpsgd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.RDDBlockId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.SparkTestSession;

/**
 * Cached blocks must survive the loss of the executor that holds them. Losing an executor loses its
 * cached blocks; here they are dropped from the block manager, which is what the loss does to them
 * (the standalone-cluster fault test in .ci/cluster-faults kills a real executor JVM). With {@code
 * localCheckpoint()} the next step failed with "Checkpoint block rdd_... not found".
 */
class BlocksSurviveLossTest {
  @TempDir Path dir;

  @Test
  void blocksFromDriverMemoryAreServedAgainAfterLossAndTasksStaySmall() {
    // 4,000 rows x 100 doubles from a local list: about 3 MB in the parallelized partitions.
    SplittableRandom rng = new SplittableRandom(3);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      double[] x = new double[100];
      for (int j = 0; j < x.length; j++) {
        x[j] = rng.nextGaussian();
      }
      rows.add(RowFactory.create(Vectors.dense(x), (double) rng.nextInt(3)));
    }
    Dataset<Row> df = SparkTestSession.get().createDataFrame(rows, FashionMnist.schema());
    assertTrue(
        RowsInTasks.largestPartitionBytes(df.rdd()) > RowsInTasks.LIMIT_BYTES,
        "the local rows travel in their tasks");
    try (TrainingBlocks blocks =
        TrainingBlocks.prepare(df, "features", "label", 0, 0, 700, "local rows")) {
      assertEquals(4000, blocks.numExamples());
      assertTrue(
          RowsInTasks.largestPartitionBytes(blocks.rdd().rdd()) < 16 * 1024,
          "a step's task carries broadcast handles, not rows");
      List<ExampleBlock> before = sorted(blocks.rdd().collect());
      dropCachedBlocks(blocks);
      assertSame(before, sorted(blocks.rdd().collect()));
    }
  }

  /** Evicted blocks spill to the executor's disk and come back as they were, not re-read. */
  @Test
  void blocksAndFixedFeaturesAreCachedInMemoryAndOnDisk() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      rows.add(RowFactory.create(Vectors.dense(new double[64]), (double) (i % 2)));
    }
    Dataset<Row> df = SparkTestSession.get().createDataFrame(rows, FashionMnist.schema());
    org.sparkdpsgd.model.ModelSpec spec =
        new org.sparkdpsgd.model.ModelSpec(
            new org.sparkdpsgd.model.Shape(1, 8, 8),
            List.of(new org.sparkdpsgd.model.LayerSpec.Scattering(1, 2)),
            2);
    try (TrainingBlocks blocks =
            TrainingBlocks.prepare(df, "features", "label", 0, 2, 20, "local rows");
        TrainingBlocks features =
            blocks.withFixedFeatures(new org.sparkdpsgd.model.FixedFeatures(spec))) {
      assertEquals(
          org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK(), blocks.rdd().getStorageLevel());
      assertEquals(
          org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK(),
          features.rdd().getStorageLevel());
    }
  }

  @Test
  void fashionMnistBlocksAreRebuiltFromTheDriversChunksAfterLoss() throws IOException {
    int n = 2500;
    writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), 0x803, n, 28 * 28);
    writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, n, 0);
    Dataset<Row> df =
        FashionMnist.load(SparkTestSession.get(), dir.toString(), FashionMnist.Split.TRAIN, 0);
    // 2,500 images are 2 MB of pixels; the reader's tasks carry chunk numbers only.
    assertTrue(RowsInTasks.largestPartitionBytes(df.rdd()) < 16 * 1024);
    try (TrainingBlocks blocks =
        TrainingBlocks.prepare(df, "features", "label", 784, 10, 1000, "fashion")) {
      List<ExampleBlock> before = sorted(blocks.rdd().collect());
      assertEquals(n, before.stream().mapToInt(ExampleBlock::rows).sum());
      dropCachedBlocks(blocks);
      assertSame(before, sorted(blocks.rdd().collect()));
    }
  }

  /** What losing the executors does to cached blocks: they are gone from the block manager. */
  private static void dropCachedBlocks(TrainingBlocks blocks) {
    int id = blocks.rdd().id();
    var master = SparkTestSession.get().sparkContext().env().blockManager().master();
    assertTrue(master.getLocations(new RDDBlockId(id, 0)).nonEmpty(), "block 0 was cached");
    master.removeRdd(id, true);
    assertTrue(master.getLocations(new RDDBlockId(id, 0)).isEmpty(), "block 0 is gone");
  }

  private static List<ExampleBlock> sorted(List<ExampleBlock> blocks) {
    List<ExampleBlock> copy = new ArrayList<>(blocks);
    copy.sort(Comparator.comparingLong(ExampleBlock::blockId));
    return copy;
  }

  private static void assertSame(List<ExampleBlock> expected, List<ExampleBlock> actual) {
    assertEquals(expected.size(), actual.size());
    for (int k = 0; k < expected.size(); k++) {
      assertEquals(expected.get(k).blockId(), actual.get(k).blockId());
      assertArrayEquals(expected.get(k).features(), actual.get(k).features());
      assertArrayEquals(expected.get(k).labels(), actual.get(k).labels());
    }
  }

  private static void writeIdx(Path file, int magic, int n, int size) throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
      out.writeInt(magic);
      out.writeInt(n);
      if (size > 0) {
        out.writeInt(28);
        out.writeInt(28);
      }
      for (int i = 0; i < n; i++) {
        if (size == 0) {
          out.writeByte(i % 10);
        } else {
          for (int p = 0; p < size; p++) {
            out.writeByte((i * 7 + p * 13) % 256);
          }
        }
      }
    }
  }
}
