package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.data.TrainingBlocks;

/** Each supported format reaches the same validated blocks. */
class DataLoaderTest {
  @TempDir Path dir;

  static SparkSession spark() {
    return SparkSession.builder()
        .master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate();
  }

  @Test
  void parquetLibsvmAndCsvGiveTheSameBlocks() throws Exception {
    SparkSession spark = spark();
    StructType schema =
        new StructType()
            .add("features", SQLDataTypes.VectorType())
            .add("label", DataTypes.DoubleType);
    List<Row> rows =
        List.of(
            RowFactory.create(Vectors.dense(1.5, 0, 2), 0.0),
            RowFactory.create(Vectors.dense(0, 3, 0), 2.0),
            RowFactory.create(Vectors.dense(4, 0, 0.5), 1.0));
    Dataset<Row> df = spark.createDataFrame(rows, schema).coalesce(1);
    String parquet = dir.resolve("d.parquet").toString();
    df.write().parquet(parquet);
    Path libsvm = Files.writeString(dir.resolve("d.libsvm"), "0 1:1.5 3:2\n2 2:3\n1 1:4 3:0.5\n");
    Path csv =
        Files.writeString(dir.resolve("d.csv"), "f1,f2,f3,label\n1.5,0,2,0\n0,3,0,2\n4,0,0.5,1\n");

    float[] expected = {1.5f, 0, 2, 0, 3, 0, 4, 0, 0.5f};
    for (String[] source :
        new String[][] {
          {"parquet", parquet}, {"libsvm", libsvm.toString()}, {"csv", csv.toString()}
        }) {
      Dataset<Row> loaded =
          DataLoader.load(spark, source[0], source[1], true, "features", "label", 0, 3);
      try (TrainingBlocks b =
          TrainingBlocks.prepare(loaded, "features", "label", 0, 3, 10, source[1])) {
        assertEquals(3, b.numExamples(), source[0]);
        assertEquals(3, b.dim(), source[0]);
        var block = b.rdd().collect().get(0);
        for (int k = 0; k < expected.length; k++) {
          assertEquals(expected[k], block.features()[k], 0f, source[0] + " feature " + k);
        }
        assertEquals(
            List.of(0, 2, 1), List.of(block.labels()[0], block.labels()[1], block.labels()[2]));
      }
    }
    assertTrue(Files.exists(Path.of(parquet)));
  }
}
