package org.sparkdpsgd.train;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.aggregate.StepWeights;
import org.sparkdpsgd.data.ExampleBlock;

/**
 * Steps without a Spark job each: one job for the whole run whose tasks ({@link ResidentTask}, one
 * per partition) stay on the executors that cache their blocks, and take each step's weights from
 * the driver over a socket and send their clipped sums back (in memory instead, {@link InJvmLinks},
 * when Spark runs them in the driver's own JVM). A Spark job costs 18–22 ms in local[2] (58 ms on a
 * 2-worker standalone cluster) even when its tasks do nothing (scheduling, task serialisation, the
 * broadcast, the result's way back); an empty resident step costs 2.5–3.5 ms (6.4 ms on that
 * cluster).
 *
 * <p>What a step computes is unchanged: the same aggregator, keyed by the same step, merged
 * exactly, so the sums are bit-identical to a per-step job's ({@code ResidentStepsTest}). Faults
 * are Spark's: a task that dies is retried by Spark (its block is recomputed as for any task), its
 * new attempt connects, and the driver sends it the step again; the other partitions' results of
 * that step are kept, since a partition's sum depends only on the step. A job that fails for good
 * fails the run, as a per-step job would.
 *
 * <p>The connection is authenticated by a random token that reaches the tasks inside the job's
 * closure (through Spark's own channel). It is not encrypted, so resident steps are not used when
 * Spark's RPC encryption is on; nor when the tasks cannot all run at once (more partitions than
 * task slots) or the partitions are aggregated in a tree ({@link #unavailable}).
 */
final class ResidentSteps implements AutoCloseable {
  /** How long the first step waits for every task to connect before giving up. */
  static final long DEFAULT_CONNECT_MILLIS = 60_000;

  private static final int HELLO_MILLIS = 10_000;

  private final StepContext settings;
  private final int partitions;
  private final byte[] token = new byte[StepWire.TOKEN_BYTES];
  private final ServerSocket server;
  private final Thread acceptor;
  private final JavaFutureAction<Void> job;
  private final long connectDeadline;
  private final Map<Integer, Connection> current = new HashMap<>(); // guarded by this
  private final SparkContext sc;
  private final long connectMillis;
  private boolean connectedOnce = false;
  private long lostSince = 0; // when a step first waited for a relaunched task; 0: none

  /** Thrown by the first step when not every task connected in time: use per-step jobs. */
  static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message);
    }
  }

  /**
   * Why resident steps cannot run these blocks, or null if they can.
   *
   * @param depth the aggregation depth: when Spark's treeAggregate would add a level, the driver
   *     should not receive every partition's sum itself
   */
  static String unavailable(JavaRDD<ExampleBlock> blocks, int depth) {
    SparkContext sc = blocks.context();
    SparkConf conf = sc.getConf();
    int p = blocks.getNumPartitions();
    if (p == 0) {
      return "the data has no partitions";
    }
    if (conf.getBoolean("spark.network.crypto.enabled", false)
        || conf.getBoolean("spark.ssl.enabled", false)) {
      return "Spark's network encryption is on and the resident tasks' channel is not encrypted";
    }
    if (DistributedStep.needsTree(p, depth)) {
      return p + " partitions are aggregated in a tree (training.aggregation-depth " + depth + ")";
    }
    int slots = slots(sc);
    if (p > slots) {
      return p + " partitions but " + slots + " task slots: the tasks could not all run at once";
    }
    return null;
  }

  /** Tasks the cluster's live executors can run at once. */
  private static int slots(SparkContext sc) {
    return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
  }

  /**
   * Starts the run's job; its tasks connect while the caller goes on. Tasks that Spark runs in this
   * JVM (local mode) link in memory unless {@code -Dsparkdpsgd.resident-link=socket} (or the
   * environment variable {@code SPARKDPSGD_RESIDENT_LINK}) asks for sockets, to compare the two.
   */
  static ResidentSteps start(JavaRDD<ExampleBlock> blocks, StepContext settings, long connectMillis)
      throws IOException {
    String link =
        System.getProperty("sparkdpsgd.resident-link", System.getenv("SPARKDPSGD_RESIDENT_LINK"));
    return start(blocks, settings, connectMillis, !"socket".equalsIgnoreCase(link));
  }

  /** As above; {@code inJvmLinks} false: every task connects to the driver's socket. */
  static ResidentSteps start(
      JavaRDD<ExampleBlock> blocks, StepContext settings, long connectMillis, boolean inJvmLinks)
      throws IOException {
    return new ResidentSteps(blocks, settings, connectMillis, inJvmLinks);
  }

  private ResidentSteps(
      JavaRDD<ExampleBlock> blocks, StepContext settings, long connectMillis, boolean inJvmLinks)
      throws IOException {
    this.settings = settings;
    this.partitions = blocks.getNumPartitions();
    this.sc = blocks.context();
    this.connectMillis = connectMillis;
    new SecureRandom().nextBytes(token);
    SparkConf conf = blocks.context().getConf();
    String host = conf.get("spark.driver.host", "127.0.0.1");
    String bind = conf.get("spark.driver.bindAddress", host);
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getByName(bind), 0), partitions * 2);
    acceptor = new Thread(this::acceptAll, "dpsgd-resident-steps-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
    if (inJvmLinks) {
      InJvmLinks.open(token, (link, partition) -> register(new Connection(link, partition)));
    }
    connectDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectMillis);
    JavaFutureAction<Void> started;
    try {
      blocks.context().setJobDescription("dpsgd: resident tasks of the run's steps");
      started =
          blocks.foreachPartitionAsync(
              new ResidentTask(host, server.getLocalPort(), token, settings.atStep(0)));
    } catch (RuntimeException e) {
      InJvmLinks.close(token);
      server.close();
      throw e;
    } finally {
      blocks.context().setJobDescription(null);
    }
    job = started;
  }

  /** One step: every partition's aggregator, merged. */
  ClippedGradientAggregator run(StepContext context, double[] weights, StepTimings timings) {
    if (!context.equals(settings.atStep(context.step()))) {
      throw new IllegalArgumentException("the resident tasks were started for other settings");
    }
    long t0 = System.nanoTime();
    byte[] message = StepWire.step(context.step(), StepWeights.forStep(context, weights));
    ClippedGradientAggregator total = null;
    Map<Integer, Connection> sentTo = new HashMap<>();
    TreeSet<Integer> pending = new TreeSet<>();
    for (int p = 0; p < partitions; p++) {
      pending.add(p);
    }
    boolean firstRound = true;
    while (!pending.isEmpty()) {
      for (int p : pending) {
        Connection c = connection(p);
        if (c != null && sentTo.get(p) != c) {
          try {
            c.send(message);
            sentTo.put(p, c);
          } catch (IOException e) {
            drop(c);
          }
        }
      }
      if (firstRound) {
        timings.addBroadcast(System.nanoTime() - t0);
        firstRound = false;
      }
      boolean received = false;
      for (Iterator<Integer> it = pending.iterator(); it.hasNext(); ) {
        int p = it.next();
        Connection c = sentTo.get(p);
        if (c == null || connection(p) != c) {
          continue;
        }
        try {
          byte[] frame = c.link.receive(() -> connection(p) == c && !job.isDone());
          ClippedGradientAggregator sums = ClippedGradientAggregator.fromWire(context, frame);
          timings.addResidentResultBytes(frame.length);
          total = total == null ? sums : total.merge(sums);
          it.remove();
          received = true;
        } catch (IOException e) {
          drop(c); // its task died, or a newer attempt replaced it: the step goes to the next one
          sentTo.remove(p);
        }
      }
      if (!pending.isEmpty() && !received) {
        awaitConnection(pending, sentTo);
      }
    }
    connectedOnce = true;
    lostSince = 0;
    return total;
  }

  /** True once a step has been computed by every task. */
  boolean connectedOnce() {
    return connectedOnce;
  }

  /** The driver's port the tasks connect to. */
  int port() {
    return server.getLocalPort();
  }

  /** Waits until a pending partition has a connection that has not been sent the step. */
  private synchronized void awaitConnection(
      TreeSet<Integer> pending, Map<Integer, Connection> sentTo) {
    while (true) {
      for (int p : pending) {
        Connection c = current.get(p);
        if (c != null && sentTo.get(p) != c) {
          return;
        }
      }
      if (job.isDone()) {
        throw failure();
      }
      long now = System.nanoTime();
      if (!connectedOnce && now > connectDeadline) {
        throw new Unavailable(
            "not every resident task connected within the wait (" + pending.size() + " missing)");
      }
      if (connectedOnce) {
        // A task was lost. Spark relaunches it, but only where a slot is free: with fewer slots
        // than partitions (its executor is gone) it would wait for ever behind the other tasks.
        int slots = slots(sc);
        if (slots < partitions) {
          throw new Unavailable(
              "a resident task was lost and "
                  + slots
                  + " task slots remain for "
                  + partitions
                  + " partitions");
        }
        if (lostSince == 0) {
          lostSince = now;
        } else if (now - lostSince > TimeUnit.MILLISECONDS.toNanos(connectMillis)) {
          throw new Unavailable("a lost resident task was not relaunched within the wait");
        }
      }
      try {
        wait(ResidentTask.POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the resident tasks", e);
      }
    }
  }

  private RuntimeException failure() {
    try {
      job.get();
      return new IllegalStateException("the resident tasks ended before the run did");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return new IllegalStateException(
          "the Spark job of the resident tasks failed: " + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new IllegalStateException("interrupted", e);
    }
  }

  private synchronized Connection connection(int partition) {
    return current.get(partition);
  }

  private synchronized void register(Connection c) {
    Connection old = current.put(c.partition, c);
    notifyAll();
    if (old != null) {
      old.close();
    }
  }

  private synchronized void drop(Connection c) {
    current.remove(c.partition, c);
    c.close();
  }

  private void acceptAll() {
    while (!server.isClosed()) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        continue; // closed: the loop ends; otherwise a failed accept of one peer
      }
      try {
        register(handshake(s));
      } catch (IOException | RuntimeException e) {
        closeQuietly(s); // not one of our tasks, or one that failed at once
      }
    }
  }

  private Connection handshake(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    s.setSoTimeout(HELLO_MILLIS);
    // Unbuffered: nothing after the hello may be read into a buffer that the link would not see.
    InputStream in = s.getInputStream();
    byte[] hello = StepWire.readFrame(in, () -> false, StepWire.HELLO_BYTES);
    ByteBuffer b = ByteBuffer.wrap(hello);
    byte[] sent = new byte[StepWire.TOKEN_BYTES];
    b.get(sent);
    if (hello.length != StepWire.HELLO_BYTES || !MessageDigest.isEqual(sent, token)) {
      throw new IOException("a connection without the run's token");
    }
    int partition = b.getInt();
    if (partition < 0 || partition >= partitions) {
      throw new IOException("unknown partition " + partition);
    }
    return new Connection(ResidentLink.over(s), partition);
  }

  /** Stops the tasks and ends the job. */
  @Override
  public void close() {
    close(10);
  }

  /**
   * Stops the connected tasks and waits up to {@code waitSeconds} for the job to end, then cancels
   * it (a lost task still waiting for a slot would never end it).
   */
  void close(int waitSeconds) {
    Map<Integer, Connection> open;
    synchronized (this) {
      open = new HashMap<>(current);
    }
    for (Connection c : open.values()) {
      try {
        c.send(StepWire.stop());
      } catch (IOException e) {
        // its task is gone already
      }
    }
    try {
      job.get(waitSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      job.cancel(true);
    } catch (InterruptedException e) {
      job.cancel(true);
      Thread.currentThread().interrupt();
    } finally {
      InJvmLinks.close(token);
      closeQuietly(server);
      for (Connection c : open.values()) {
        c.close();
      }
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /** One task attempt's link. */
  private static final class Connection {
    final ResidentLink link;
    final int partition;

    Connection(ResidentLink link, int partition) {
      this.link = link;
      this.partition = partition;
    }

    void send(byte[] message) throws IOException {
      link.send(message);
    }

    void close() {
      link.close();
    }
  }
}
