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
    SparkSession spark = b.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }
}
