package org.sparkdpsgd.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * HDFS for tests: a MiniDFSCluster (one namenode, one datanode) with every address on 127.0.0.1.
 * Tests start it in-process ({@link #start}); the cluster scripts run {@link #main} as a process of
 * its own, which writes a Hadoop config directory (core-site.xml with fs.defaultFS) for
 * HADOOP_CONF_DIR and runs until it is killed.
 */
public final class MiniHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;

  private MiniHdfs(MiniDFSCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts HDFS with its storage under {@code base}; {@code port} 0 picks a free port. */
  public static MiniHdfs start(File base, int port) throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(base, "dfs").getAbsolutePath());
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:" + port);
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    MiniDFSCluster.Builder builder = new MiniDFSCluster.Builder(conf).numDataNodes(1);
    if (port > 0) {
      builder.nameNodePort(port);
    }
    MiniDFSCluster cluster = builder.build();
    cluster.waitActive();
    return new MiniHdfs(cluster);
  }

  /** hdfs://127.0.0.1:PORT */
  public String uri() {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  public org.apache.hadoop.fs.FileSystem fileSystem() throws IOException {
    return cluster.getFileSystem();
  }

  @Override
  public void close() {
    cluster.shutdown();
  }

  /** Args: base directory, namenode port (0 = any), Hadoop config directory to write. */
  public static void main(String[] args) throws Exception {
    MiniHdfs hdfs = start(new File(args[0]), Integer.parseInt(args[1]));
    Path confDir = Path.of(args[2]);
    Files.createDirectories(confDir);
    Files.writeString(
        confDir.resolve("core-site.xml"),
        "<?xml version=\"1.0\"?>\n<configuration>\n"
            + "  <property><name>fs.defaultFS</name><value>"
            + hdfs.uri()
            + "</value></property>\n"
            + "</configuration>\n",
        StandardCharsets.UTF_8);
    System.out.println("MiniHdfs up: " + hdfs.uri());
    Runtime.getRuntime().addShutdownHook(new Thread(hdfs::close));
    Thread.currentThread().join();
  }
}
