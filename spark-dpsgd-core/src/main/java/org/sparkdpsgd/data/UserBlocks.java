package org.sparkdpsgd.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StringType;
import org.sparkdpsgd.util.InvalidInputException;
import org.sparkdpsgd.util.UserErrors;

/**
 * Blocks whose rows are grouped by user, for user-level privacy: a Spark shuffle by the user column
 * brings each user's rows to one partition, sorted by user, and the packer never splits a user
 * across blocks ({@link ExampleBlock#userStarts}). A step then samples users, not rows, on the
 * executor that caches them.
 *
 * <p>A user with more than {@code maxRowsPerUser} rows keeps the first that many in the order the
 * shuffle delivers them (cost control only: a user's contribution is clipped as a whole whatever
 * its size). That order is not fixed across a recomputation after a lost executor, so such a user
 * may then train on a different subset of their own rows; the privacy argument is unaffected.
 */
public final class UserBlocks {
  private static final String USER = "__dpsgd_user";

  private UserBlocks() {}

  /**
   * How rows are grouped.
   *
   * @param userCol the column naming each row's user (string, int or long; never null)
   * @param maxRowsPerUser most rows kept per user; 0 keeps all
   */
  public record Grouping(String userCol, int maxRowsPerUser) implements Serializable {
    public Grouping {
      Objects.requireNonNull(userCol, "userCol");
      if (maxRowsPerUser < 0) {
        throw new InvalidInputException(
            "data.max-examples-per-user must be >= 0 (0 = all); provided value: " + maxRowsPerUser);
      }
    }
  }

  /** Checks the user column on the driver: present, of a usable type, never null. */
  static void checkUserColumn(Dataset<Row> df, Grouping g, String source) {
    List<String> names = Arrays.asList(df.columns());
    if (!names.contains(g.userCol())) {
      throw new InvalidInputException(
          source
              + ": missing user column '"
              + g.userCol()
              + "' (data.user-col, MLlib param userCol); available columns: "
              + names);
    }
    DataType t = df.schema().apply(g.userCol()).dataType();
    if (!(t instanceof StringType || t instanceof IntegerType || t instanceof LongType)) {
      throw new InvalidInputException(
          source
              + ": user column '"
              + g.userCol()
              + "' must be a string, int or long; found "
              + t.simpleString());
    }
    boolean anyNull =
        UserErrors.unwrapping(() -> !df.filter(col(g.userCol()).isNull()).limit(1).isEmpty());
    if (anyNull) {
      throw new InvalidInputException(
          source
              + ": user column '"
              + g.userCol()
              + "' is null in some row; every row needs a user");
    }
  }

  /**
   * The rows of {@code df} (already validated by {@link BlockPacker#pack}, whose errors name file
   * lines, which a shuffle loses) in {@code partitions} partitions of user-grouped blocks.
   */
  static JavaRDD<ExampleBlock> pack(
      Dataset<Row> df, BlockPacker.Spec spec, Grouping g, int partitions) {
    List<String> names = Arrays.asList(df.columns());
    Dataset<Row> grouped =
        df.select(
                col(spec.featuresCol()),
                col(spec.labelCol()),
                lit(null).cast("string"),
                lit(null).cast("long"),
                names.contains(BlockPacker.EMPTY_CELL_COL)
                    ? col(BlockPacker.EMPTY_CELL_COL)
                    : lit(null).cast("string"),
                lit(null).cast("string"),
                col(g.userCol()).as(USER))
            .repartition(partitions, col(USER))
            .sortWithinPartitions(USER);
    RowValidator validator =
        new RowValidator(
            spec.dim(),
            spec.numClasses(),
            spec.featuresCol(),
            spec.labelCol(),
            spec.featureNames());
    return grouped
        .javaRDD()
        .mapPartitionsWithIndex(
            (partition, rows) -> packPartition(partition, rows, validator, spec, g), true);
  }

  private static Iterator<ExampleBlock> packPartition(
      int partition,
      Iterator<Row> rows,
      RowValidator validator,
      BlockPacker.Spec spec,
      Grouping g) {
    Packing p = new Packing(partition, spec, g.maxRowsPerUser());
    while (rows.hasNext()) {
      Row row = rows.next();
      try {
        p.add(row, validator);
      } catch (InvalidInputException e) {
        throw new InvalidInputException(
            e.getMessage().replace(BlockPacker.WHERE, spec.sourceName() + " (grouped by user)"));
      }
    }
    p.closeBlock();
    return p.blocks.iterator();
  }

  /** One partition's blocks in the making. */
  private static final class Packing {
    final int partition;
    final BlockPacker.Spec spec;
    final int maxRowsPerUser;
    final List<ExampleBlock> blocks = new ArrayList<>();
    float[] features;
    int[] labels;
    int[] starts = new int[16];
    int users; // users closed in the current block
    int filled;
    Object user; // the current user's id
    int userRows;

    Packing(int partition, BlockPacker.Spec spec, int maxRowsPerUser) {
      this.partition = partition;
      this.spec = spec;
      this.maxRowsPerUser = maxRowsPerUser;
      this.features = new float[spec.blockRows() * spec.dim()];
      this.labels = new int[spec.blockRows()];
    }

    void add(Row row, RowValidator validator) {
      Object id = row.get(6);
      if (!id.equals(user)) {
        closeUser();
        if (filled >= spec.blockRows()) {
          closeBlock();
        }
        user = id;
      }
      if (maxRowsPerUser > 0 && userRows >= maxRowsPerUser) {
        return;
      }
      if (filled == labels.length) {
        labels = Arrays.copyOf(labels, labels.length * 2);
        features = Arrays.copyOf(features, labels.length * spec.dim());
      }
      filled = BlockPacker.packRow(row, spec, validator, features, labels, filled);
      userRows++;
    }

    void closeUser() {
      if (userRows == 0) {
        return;
      }
      if (users + 2 > starts.length) {
        starts = Arrays.copyOf(starts, starts.length * 2);
      }
      starts[++users] = filled;
      userRows = 0;
    }

    void closeBlock() {
      closeUser();
      if (filled == 0) {
        return;
      }
      blocks.add(
          new ExampleBlock(
              BlockPacker.blockId(partition, blocks.size()),
              filled,
              spec.dim(),
              Arrays.copyOf(features, filled * spec.dim()),
              Arrays.copyOf(labels, filled),
              Arrays.copyOf(starts, users + 1)));
      features = new float[spec.blockRows() * spec.dim()];
      labels = new int[spec.blockRows()];
      starts = new int[16];
      users = 0;
      filled = 0;
    }
  }
}
