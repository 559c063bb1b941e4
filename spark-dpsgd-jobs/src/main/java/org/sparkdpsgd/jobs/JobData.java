package org.sparkdpsgd.jobs;

import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.train.DpSgdConfig;

/**
 * A job's training and test data, read as its config says and packed into cached blocks. Both sides
 * are read and checked before anything trains (a bad test row must not surface after the privacy
 * was spent); the caller closes them.
 */
record JobData(TrainingBlocks train, TrainingBlocks test) implements AutoCloseable {
  static JobData load(SparkSession spark, JobConfig c, DataPaths paths, DpSgdConfig dp) {
    return load(spark, c, paths, dp, true);
  }

  /**
   * As {@link #load(SparkSession, JobConfig, DataPaths, DpSgdConfig)}; the test side only if asked.
   */
  static JobData load(
      SparkSession spark, JobConfig c, DataPaths paths, DpSgdConfig dp, boolean withTest) {
    String fmt = c.string("data.format");
    String featuresCol = c.string("data.features-col");
    String labelCol = c.string("data.label-col");
    int limit = c.integer("data.limit");
    int numFeatures = c.integer("data.num-features");
    TextSettings text = TextSettings.of(c);
    UserSettings users = UserSettings.of(c);
    System.out.println("loading " + fmt + " training data from " + paths.train());
    TrainingBlocks train =
        TrainingBlocks.prepare(
            DataLoader.load(
                spark,
                fmt,
                paths.train(),
                true,
                featuresCol,
                labelCol,
                limit,
                numFeatures,
                text,
                users),
            featuresCol,
            labelCol,
            numFeatures,
            paths.numClasses(c),
            dp.blockRows(),
            "training data " + paths.train(),
            c.number("data.feature-scale"),
            c.number("data.feature-shift"),
            users.grouping());
    if (train.byUser()) {
      System.out.println(
          "user-level privacy: "
              + train.numUsers()
              + " users ("
              + train.numExamples()
              + " examples) grouped by column '"
              + users.userCol()
              + "'; each step samples users");
    }
    if (paths.test() == null || !withTest) {
      return new JobData(train, null);
    }
    try {
      TrainingBlocks test =
          TrainingBlocks.prepare(
              DataLoader.load(
                  spark, fmt, paths.test(), false, featuresCol, labelCol, limit, train.dim(), text),
              featuresCol,
              labelCol,
              train.dim(),
              train.numClasses(),
              dp.blockRows(),
              "test data " + paths.test(),
              c.number("data.feature-scale"),
              c.number("data.feature-shift"));
      return new JobData(train, test);
    } catch (RuntimeException e) {
      train.close();
      throw e;
    }
  }

  @Override
  public void close() {
    train.close();
    if (test != null) {
      test.close();
    }
  }
}
