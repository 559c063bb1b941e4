package org.sparkdpsgd.data;

import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.sparkdpsgd.util.InvalidInputException;
import org.sparkdpsgd.util.UserErrors;

/**
 * The cached, validated blocks of one dataset and what the trainer needs to know about them.
 * Packing and validation run eagerly in {@link #prepare}, so a bad row fails before any privacy is
 * spent. Every cached block survives the loss of the executor holding it: blocks read from files
 * are recomputed from them, blocks from the driver's memory are fetched again from broadcasts.
 * {@link #close()} unpersists the blocks (and releases those broadcasts).
 */
public final class TrainingBlocks implements AutoCloseable {
  private final JavaRDD<ExampleBlock> blocks;
  private final long numExamples;
  private final int dim;
  private final int numClasses;

  /** Number of users when the rows are grouped by user (user-level privacy); 0 otherwise. */
  private final long numUsers;

  /** The broadcasts behind blocks that came from driver memory (null otherwise). */
  private final DriverBlocks fromDriver;

  private TrainingBlocks(
      JavaRDD<ExampleBlock> blocks,
      long numExamples,
      int dim,
      int numClasses,
      long numUsers,
      DriverBlocks fromDriver) {
    this.blocks = blocks;
    this.numExamples = numExamples;
    this.dim = dim;
    this.numClasses = numClasses;
    this.numUsers = numUsers;
    this.fromDriver = fromDriver;
  }

  /**
   * Validates and packs {@code df}. {@code dim} may be 0 to take it from the schema (the first
   * row's vector size; every row must match it). {@code numClasses} may be 0 to take it from the
   * label column's ML metadata ({@code NominalAttribute}); it is never inferred from the labels
   * (their largest value would leak), and a label outside it is a bad row.
   */
  public static TrainingBlocks prepare(
      Dataset<Row> df,
      String featuresCol,
      String labelCol,
      int dim,
      int numClasses,
      int blockRows,
      String sourceName) {
    return prepare(df, featuresCol, labelCol, dim, numClasses, blockRows, sourceName, 1.0, 0.0);
  }

  /** As above, with a fixed, data-independent feature transform x · scale + shift. */
  public static TrainingBlocks prepare(
      Dataset<Row> df,
      String featuresCol,
      String labelCol,
      int dim,
      int numClasses,
      int blockRows,
      String sourceName,
      double featureScale,
      double featureShift) {
    return prepare(
        df,
        spec(
            df,
            featuresCol,
            labelCol,
            dim,
            numClasses,
            blockRows,
            sourceName,
            featureScale,
            featureShift));
  }

  /** What to pack: {@code dim} from the first row and the classes from metadata when 0. */
  private static BlockPacker.Spec spec(
      Dataset<Row> df,
      String featuresCol,
      String labelCol,
      int dim,
      int numClasses,
      int blockRows,
      String sourceName,
      double featureScale,
      double featureShift) {
    BlockPacker.checkSchema(df, featuresCol, labelCol, sourceName);
    if (dim <= 0) {
      java.util.List<Row> head = UserErrors.unwrapping(() -> df.select(featuresCol).takeAsList(1));
      Row first = head.isEmpty() ? null : head.get(0);
      if (first == null) {
        throw new InvalidInputException(sourceName + " is empty: no rows to train or evaluate on");
      }
      Vector v = first.getAs(0);
      dim = v == null ? 0 : v.size();
      if (dim == 0) {
        throw new InvalidInputException(
            sourceName + ": the first row has an empty features vector");
      }
    }
    if (numClasses <= 0) {
      numClasses = declaredNumClasses(df, labelCol, sourceName);
    }
    return new BlockPacker.Spec(
        featuresCol,
        labelCol,
        dim,
        numClasses,
        blockRows,
        sourceName,
        featureNames(df, featuresCol),
        featureScale,
        featureShift);
  }

  /**
   * As {@link #prepare(Dataset, String, String, int, int, int, String, double, double)}, with the
   * rows grouped by user ({@link UserBlocks}) for user-level privacy; a null {@code users} packs
   * them example by example. The rows are validated first as they are read (so a bad row is named
   * by its file line), then shuffled into user groups.
   */
  public static TrainingBlocks prepare(
      Dataset<Row> df,
      String featuresCol,
      String labelCol,
      int dim,
      int numClasses,
      int blockRows,
      String sourceName,
      double featureScale,
      double featureShift,
      UserBlocks.Grouping users) {
    if (users == null) {
      return prepare(
          df,
          featuresCol,
          labelCol,
          dim,
          numClasses,
          blockRows,
          sourceName,
          featureScale,
          featureShift);
    }
    UserBlocks.checkUserColumn(df, users, sourceName);
    BlockPacker.Spec spec =
        spec(
            df,
            featuresCol,
            labelCol,
            dim,
            numClasses,
            blockRows,
            sourceName,
            featureScale,
            featureShift);
    // Validation exactly as for example-level blocks, then the validated rows are grouped.
    prepare(df, spec).close();
    int slots = taskSlots(df.sparkSession().sparkContext());
    return persisted(UserBlocks.pack(df, spec, users, slots), spec, null);
  }

  /**
   * How many tasks the context runs at once, as far as its settings say before any job: its default
   * parallelism (the executors' cores) over {@code spark.task.cpus}, at least 1. A task with
   * several cores splits its blocks over them ({@code ClippedGradientAggregator.addAll}).
   */
  public static int taskSlots(SparkContext sc) {
    return Math.max(
        1, sc.defaultParallelism() / Math.max(1, sc.getConf().getInt("spark.task.cpus", 1)));
  }

  public static TrainingBlocks prepare(Dataset<Row> df, BlockPacker.Spec spec) {
    JavaRDD<ExampleBlock> packed = BlockPacker.pack(df, spec);
    // One partition per task slot: each extra task costs scheduling and a serialised gradient sum,
    // more partitions than slots buys nothing, and resident tasks need them all running at once.
    int slots = taskSlots(packed.context());
    if (RowsInTasks.largestPartitionBytes(packed.rdd()) > RowsInTasks.LIMIT_BYTES) {
      return fromDriverMemory(packed, spec, slots);
    }
    // Rows read from files (or tasks that carry little): a block lost with its executor is
    // recomputed from its lineage.
    JavaRDD<ExampleBlock> blocks =
        packed.getNumPartitions() > slots ? packed.coalesce(slots) : packed;
    return persisted(blocks, spec, null);
  }

  /**
   * Rows from the driver's memory: packed (and validated) once on the executors, collected, and
   * served from broadcasts ({@link DriverBlocks}), so that steps ship no rows and an executor loss
   * is survived. The rows were in the driver's memory already; the packed floats are smaller.
   */
  private static TrainingBlocks fromDriverMemory(
      JavaRDD<ExampleBlock> packed, BlockPacker.Spec spec, int slots) {
    java.util.List<ExampleBlock> local = UserErrors.unwrapping(packed::collect);
    if (local.isEmpty()) {
      throw new InvalidInputException(
          spec.sourceName() + " is empty: no rows to train or evaluate on");
    }
    DriverBlocks served =
        DriverBlocks.distribute(JavaSparkContext.fromSparkContext(packed.context()), local, slots);
    return persisted(served.rdd(), spec, served);
  }

  /**
   * Blocks are kept in memory and spilled to the executor's disk under memory pressure
   * (MEMORY_AND_DISK): an evicted block comes back as it was, not re-read from the source, which
   * could have changed or (with a row limit) be sampled differently; the data a run trains on stays
   * the data it validated. Only a lost executor recomputes its blocks from their lineage.
   */
  static final StorageLevel CACHED = StorageLevel.MEMORY_AND_DISK();

  private static TrainingBlocks persisted(
      JavaRDD<ExampleBlock> blocks, BlockPacker.Spec spec, DriverBlocks served) {
    return persisted(blocks, spec.sourceName(), spec.dim(), spec.numClasses(), served);
  }

  /**
   * Blocks that need no validation (made up by {@link SyntheticBlocks}), cached as packed ones are;
   * a lost block is recomputed from {@code blocks}' lineage, which must give the same block.
   */
  static TrainingBlocks cached(
      JavaRDD<ExampleBlock> blocks, String sourceName, int dim, int numClasses) {
    return persisted(blocks, sourceName, dim, numClasses, null);
  }

  private static TrainingBlocks persisted(
      JavaRDD<ExampleBlock> blocks,
      String sourceName,
      int dim,
      int numClasses,
      DriverBlocks served) {
    blocks.persist(CACHED);
    blocks.setName("spark-dpsgd blocks: " + sourceName);
    long[] rowsAndUsers;
    try {
      rowsAndUsers = countRowsAndUsers(blocks);
    } catch (RuntimeException e) {
      if (served != null) {
        served.close();
      }
      throw e;
    }
    if (rowsAndUsers[0] == 0) {
      blocks.unpersist(false);
      throw new InvalidInputException(sourceName + " is empty: no rows to train or evaluate on");
    }
    return new TrainingBlocks(blocks, rowsAndUsers[0], dim, numClasses, rowsAndUsers[1], served);
  }

  /**
   * These blocks with every row's features replaced by {@code fixed} (computed once, on the
   * executors, and cached); the caller closes the result. Rows, labels and block ids are kept, so
   * the Poisson samples are the ones the original blocks would draw.
   */
  public TrainingBlocks withFixedFeatures(org.sparkdpsgd.model.FixedFeatures fixed) {
    if (fixed.inputDim() != dim) {
      throw new InvalidInputException(
          "the model's fixed layers "
              + fixed.describe()
              + " take "
              + fixed.inputDim()
              + " features per row; the data has "
              + dim);
    }
    int outDim = fixed.outputDim();
    JavaRDD<ExampleBlock> mapped =
        blocks.map(b -> b.withFeatures(outDim, fixed.apply(b.features(), b.rows())));
    return cachedFeatures(mapped, outDim, fixed.describe());
  }

  /**
   * These blocks with every row's features f replaced by {@code t}'s g = A (f − μ) (computed once,
   * on the executors, and cached); the caller closes the result. Rows, labels and block ids are
   * kept, so the Poisson samples are the ones these blocks would draw.
   */
  public TrainingBlocks withTransformedFeatures(org.sparkdpsgd.model.FeatureTransform t) {
    if (t.dim() != dim) {
      throw new IllegalArgumentException(
          "a feature transform of " + t.dim() + " features for blocks of " + dim);
    }
    int d = dim; // the closure must not capture this (not serializable)
    JavaRDD<ExampleBlock> mapped =
        blocks.map(b -> b.withFeatures(d, t.apply(b.features(), b.rows())));
    return cachedFeatures(mapped, dim, "normalised");
  }

  /**
   * {@code mapped} (these blocks with new features of {@code outDim} values per row, named {@code
   * step}) cached and counted: the new features are costly to recompute, and a map that lost or
   * added rows is a bug.
   */
  private TrainingBlocks cachedFeatures(JavaRDD<ExampleBlock> mapped, int outDim, String step) {
    mapped.persist(CACHED);
    mapped.setName(blocks.name() + " > " + step);
    long n = countRowsAndUsers(mapped)[0];
    if (n != numExamples) {
      mapped.unpersist(false);
      throw new IllegalStateException(
          step + " changed the number of rows: " + n + " != " + numExamples);
    }
    return new TrainingBlocks(mapped, numExamples, outDim, numClasses, numUsers, null);
  }

  /**
   * The rows of these blocks that {@code subset} chooses, cached (the caller closes the result,
   * before closing these blocks: the subset is computed from them). Each block keeps its id, so the
   * membership of a row is decided on the executors from (block id, row) alone. Fails as {@link
   * #prepare} does when no row is chosen.
   */
  public TrainingBlocks subset(RowSubset subset) {
    JavaRDD<ExampleBlock> kept =
        blocks.map(b -> b.keeping(subset.rowsOf(b.blockId(), b.rows()))).filter(b -> b.rows() > 0);
    return persisted(kept, subset + " of " + blocks.name(), dim, numClasses, null);
  }

  /**
   * These blocks, cached again, as user-level blocks in which every row is its own user: what
   * user-level training is when each user owns one example. The rows, their order and the block ids
   * are kept, so a step samples exactly the rows the example-level blocks would (the caller closes
   * the result before these blocks).
   */
  public TrainingBlocks oneUserPerRow() {
    JavaRDD<ExampleBlock> single =
        blocks.map(
            b -> {
              int[] starts = new int[b.rows() + 1];
              java.util.Arrays.setAll(starts, i -> i);
              return new ExampleBlock(
                  b.blockId(), b.rows(), b.dim(), b.features(), b.labels(), starts);
            });
    return persisted(single, "one user per row of " + blocks.name(), dim, numClasses, null);
  }

  /**
   * Materialises persisted blocks by counting their rows and users (0 for example-level blocks) in
   * one job; unpersists them if that fails.
   */
  private static long[] countRowsAndUsers(JavaRDD<ExampleBlock> blocks) {
    try {
      return UserErrors.unwrapping(
          () ->
              blocks
                  .map(b -> new long[] {b.rows(), b.byUser() ? b.users() : 0})
                  .fold(new long[2], (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]}));
    } catch (RuntimeException e) {
      blocks.unpersist(false);
      throw e;
    }
  }

  /** Column names recorded by VectorAssembler (so errors can say "column 'age'"), or null. */
  private static String[] featureNames(Dataset<Row> df, String featuresCol) {
    AttributeGroup group = AttributeGroup.fromStructField(df.schema().apply(featuresCol));
    if (group.attributes().isEmpty()) {
      return null;
    }
    Attribute[] attrs = group.attributes().get();
    String[] names = new String[attrs.length];
    for (int k = 0; k < attrs.length; k++) {
      names[k] = attrs[k].name().isDefined() ? attrs[k].name().get() : "feature " + k;
    }
    return names;
  }

  /**
   * The number of classes the label column's ML metadata declares (StringIndexer and
   * NominalAttribute set it). Metadata describes the schema, not the rows; the largest label would
   * describe the rows (one example labelled 9999 would make a 10,000-class model, visibly).
   */
  private static int declaredNumClasses(Dataset<Row> df, String labelCol, String sourceName) {
    Attribute attr = Attribute.fromStructField(df.schema().apply(labelCol));
    if (attr instanceof org.apache.spark.ml.attribute.NominalAttribute nominal
        && nominal.getNumValues().isDefined()) {
      return (Integer) nominal.getNumValues().get();
    }
    if (attr instanceof org.apache.spark.ml.attribute.BinaryAttribute) {
      return 2;
    }
    throw new InvalidInputException(
        sourceName
            + ": the number of classes is not set (data.num-classes, MLlib"
            + " param numClasses) and column '"
            + labelCol
            + "' has no ML metadata declaring it; set it: it is never"
            + " inferred from the private labels");
  }

  public JavaRDD<ExampleBlock> rdd() {
    return blocks;
  }

  public long numExamples() {
    return numExamples;
  }

  /** Number of users if the rows are grouped by user (user-level privacy), else 0. */
  public long numUsers() {
    return numUsers;
  }

  /** True if the rows are grouped by user: a step samples users, and the guarantee is per user. */
  public boolean byUser() {
    return numUsers > 0;
  }

  public int dim() {
    return dim;
  }

  public int numClasses() {
    return numClasses;
  }

  @Override
  public void close() {
    blocks.unpersist(false);
    if (fromDriver != null) {
      fromDriver.close();
    }
  }
}
