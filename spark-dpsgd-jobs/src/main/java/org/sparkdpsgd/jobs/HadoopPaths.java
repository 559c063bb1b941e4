package org.sparkdpsgd.jobs;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Paths as Spark resolves them: through the Hadoop configuration Spark builds (core-site.xml from
 * HADOOP_CONF_DIR on the classpath, then {@code spark.hadoop.*} settings), so {@code hdfs:///x}
 * takes its namenode from {@code fs.defaultFS}. Usable before the Spark session exists, which the
 * config file and the output directory need.
 */
final class HadoopPaths {
  private HadoopPaths() {}

  static Configuration configuration() {
    return SparkHadoopUtil.get().newConfiguration(new SparkConf(true));
  }

  /**
   * True under spark-submit --deploy-mode cluster: the driver runs on a worker, in a directory of
   * its own.
   */
  static boolean clusterDeployMode() {
    return "cluster".equals(new SparkConf(true).get("spark.submit.deployMode", "client"));
  }

  /** Whether the value names a Hadoop file system by scheme (hdfs:, s3a:, file:, ...). */
  static boolean hasScheme(String path) {
    try {
      String scheme = new URI(path).getScheme();
      return scheme != null && scheme.length() > 1; // not a Windows drive letter
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /**
   * In cluster deploy mode a relative path would be resolved in the driver's own directory on some
   * worker: refuse it with the fix, before anything runs.
   */
  static void requireAbsoluteInClusterMode(String setting, String path) {
    if (path == null || path.isEmpty() || !clusterDeployMode()) {
      return;
    }
    if (!hasScheme(path) && !path.startsWith("/")) {
      throw new InvalidInputException(
          setting
              + ": "
              + path
              + " is a relative path, but in cluster deploy mode"
              + " the driver runs on a worker in a directory of its own: give an absolute path on a file system"
              + " every node sees, or a Hadoop path such as hdfs:///data/...");
    }
  }

  /**
   * The file system of {@code path}, with a one-line error when it cannot be reached or is wrong.
   */
  static FileSystem fileSystem(Path path, Configuration conf, String setting) {
    try {
      return path.getFileSystem(conf);
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidInputException(setting + ": cannot use " + path + ": " + firstLine(e));
    }
  }

  static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }
}
