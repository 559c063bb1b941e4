package org.sparkdpsgd.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Starts (or joins) the Spark session; spark-submit's master wins over the config's. */
final class SparkSessions {
  private SparkSessions() {}

  static SparkSession start(JobConfig c) {
    SparkConf conf = new SparkConf(true);
    SparkSession.Builder b = SparkSession.builder().appName(c.string("spark.app-name"));
    if (!conf.contains("spark.master")) {
      b.master(c.string("spark.master"));
      b.config("spark.ui.showConsoleProgress", "false");
      b.config("spark.driver.host", System.getenv().getOrDefault("SPARK_LOCAL_IP", "127.0.0.1"));
    }
    // ND4J's BLAS and OpenMP start 2 threads per call by default: tasks then fight over the cores.
    // One BLAS thread per task thread, unless the user chose: a task with several cores
    // (spark.task.cpus) splits its blocks over that many threads of its own.
    if (!conf.contains("spark.executorEnv.OMP_NUM_THREADS")) {
      b.config("spark.executorEnv.OMP_NUM_THREADS", "1");
    }
    // Every step broadcasts the weights and returns one gradient sum per task (float noise, which
    // LZ4 does not shrink): compressing them costs milliseconds per step and saves nothing, and a
    // task result above 1 MiB would take a second round trip through the block manager.
    defaultTo(b, conf, "spark.broadcast.compress", "false");
    defaultTo(b, conf, "spark.task.maxDirectResultSize", "64m");
    // The OpenBLAS kernel family the launcher chose for this CPU (bin/openblas-coretype): executors
    // on the same kind of machine get the same, unless the user set theirs.
    String coreType = System.getenv("OPENBLAS_CORETYPE");
    if (coreType != null
        && !coreType.isEmpty()
        && !conf.contains("spark.executorEnv.OPENBLAS_CORETYPE")) {
      b.config("spark.executorEnv.OPENBLAS_CORETYPE", coreType);
    }
    SparkSession spark = b.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /** Sets key unless the user's Spark configuration (spark-submit, spark-defaults) has it. */
  private static void defaultTo(SparkSession.Builder b, SparkConf conf, String key, String value) {
    if (!conf.contains(key)) {
      b.config(key, value);
    }
  }
}
