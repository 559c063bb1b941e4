package org.sparkdpsgd.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.SelfComposedEvent;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Writers race for a budget that fits exactly one run: each through a FileSystem client of its own
 * (as two drivers would be), started together by a barrier, many rounds. On a local disk and on
 * HDFS (a MiniDFSCluster on 127.0.0.1). Exactly one reservation per round may pass.
 */
class LedgerConcurrencyTest {
  private static final int WRITERS = 4;
  private static final int ROUNDS = 25;
  private static final long STEPS = 500;

  @TempDir Path dir;

  @Test
  void racingReserversOnALocalDiskCannotBothPassABudgetThatFitsOne() throws Exception {
    Configuration conf = new Configuration();
    List<FileSystem> clients = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      clients.add(FileSystem.newInstance(URI.create("file:///"), conf));
    }
    try {
      race(clients, dir.toUri().toString());
    } finally {
      for (FileSystem fs : clients) {
        fs.close();
      }
    }
  }

  @Test
  void racingReserversOnHdfsCannotBothPassABudgetThatFitsOne() throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(dir.toFile(), "dfs").getAbsolutePath());
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    List<FileSystem> clients = new ArrayList<>();
    try {
      cluster.waitActive();
      URI uri = URI.create("hdfs://127.0.0.1:" + cluster.getNameNodePort());
      for (int w = 0; w < WRITERS; w++) {
        clients.add(FileSystem.newInstance(uri, cluster.getConfiguration(0)));
      }
      race(clients, uri + "/ledgers");
    } finally {
      for (FileSystem fs : clients) {
        fs.close();
      }
      cluster.shutdown();
    }
  }

  private static void race(List<FileSystem> clients, String base) throws Exception {
    DpEvent run = new SelfComposedEvent(LedgerTest.STEP_A, (int) STEPS);
    double oneRun = AccountantKind.RDP.create().compose(run).getEpsilon(1e-5);
    ExecutorService pool = Executors.newFixedThreadPool(clients.size());
    try {
      for (int round = 0; round < ROUNDS; round++) {
        String location = base + "/round-" + round;
        BudgetLedger.init(
            new LedgerFiles(clients.get(0), location), oneRun, 1e-5, AccountantKind.RDP);
        CyclicBarrier start = new CyclicBarrier(clients.size());
        List<Future<Boolean>> results = new ArrayList<>();
        for (FileSystem fs : clients) {
          results.add(
              pool.submit(
                  () -> {
                    BudgetLedger ledger = BudgetLedger.open(fs, location);
                    start.await();
                    try {
                      ledger.forRun("racer").reserve(LedgerTest.STEP_A, 0, STEPS, null);
                      return true;
                    } catch (InvalidInputException refused) {
                      assertTrue(
                          refused.getMessage().contains("refuses this run"), refused.getMessage());
                      return false;
                    }
                  }));
        }
        int passed = 0;
        for (Future<Boolean> f : results) {
          passed += f.get() ? 1 : 0;
        }
        assertEquals(1, passed, "round " + round + ": reservations that passed");
        LedgerState s = BudgetLedger.open(clients.get(1), location).read();
        assertEquals(1, s.runs().size(), "round " + round);
        assertTrue(s.spentEpsilon() <= oneRun, "round " + round + ": " + s.spentEpsilon());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
