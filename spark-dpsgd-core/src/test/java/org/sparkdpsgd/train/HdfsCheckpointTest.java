package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.OptimizerSpec;

/**
 * Checkpoints on HDFS (a MiniDFSCluster on 127.0.0.1): crash, resume, and the charge carried over.
 */
class HdfsCheckpointTest {
  @Test
  void crashAndResumeWithCheckpointsOnHdfs(@TempDir Path base) throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(base.toFile(), "dfs").getAbsolutePath());
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    try (TrainingBlocks data =
        TrainingBlocks.prepare(
            TestData.gaussianClasses(1000, 5, 3, 4, 2), "features", "label", 0, 0, 300, "train")) {
      cluster.waitActive();
      String dir = "hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/dpsgd/checkpoints";
      DpSgdConfig c =
          new DpSgdConfig()
              .l2NormClip(0.5)
              .noiseMultiplier(1.1)
              .samplingRate(0.1)
              .steps(12)
              .optimizer(OptimizerSpec.sgd(0.2))
              .hiddenLayers(4)
              .checkpoints(dir, 5);
      assertThrows(
          IllegalStateException.class,
          () ->
              new DpSgdTrainer(c)
                  .noiseSourceForTesting(NoiseSources.zeroForTesting())
                  .listener(
                      m -> {
                        if (m.step() == 7) {
                          throw new IllegalStateException("simulated crash");
                        }
                      })
                  .fit(data));
      FileSystem fs = cluster.getFileSystem();
      assertTrue(
          fs.exists(
              new org.apache.hadoop.fs.Path("/dpsgd/checkpoints/checkpoint-000000000010-5.json")));
      TrainingResult r =
          new DpSgdTrainer(c).noiseSourceForTesting(NoiseSources.zeroForTesting()).fit(data);
      // Reserved through step 10 before the crash, then steps 6..12 again.
      assertEquals(10 + 7, r.privacy().steps());
    } finally {
      cluster.shutdown();
    }
  }
}
