package org.sparkdpsgd.train;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;

/**
 * Links between a driver and the resident tasks that Spark runs in the driver's own JVM (local
 * mode): the frames are handed over in memory instead of being copied through loopback sockets. In
 * local[2] the MLP's weights (814 KB) went to the two tasks one after the other, 1.0–2.1 ms of an 8
 * ms step at batch 1024, during which the second task waited. The frames are the same bytes as over
 * a socket, so what a step computes does not depend on the link ({@code ResidentStepsTest}).
 *
 * <p>A driver registers under its run's token; a task finds it only if it runs in the same JVM (and
 * class loader), and knows the token only from its closure, as over a socket. Any other task
 * connects to the driver's socket.
 */
final class InJvmLinks {
  private static final Map<String, ObjIntConsumer<ResidentLink>> DRIVERS =
      new ConcurrentHashMap<>();

  private static final AtomicLong LINKS_MADE = new AtomicLong();

  /** Put behind the last frame when an end closes; compared by identity. */
  private static final byte[] CLOSED = new byte[0];

  private InJvmLinks() {}

  /** Lets tasks in this JVM that hold {@code token} link to {@code register} (the driver). */
  static void open(byte[] token, ObjIntConsumer<ResidentLink> register) {
    DRIVERS.put(key(token), register);
  }

  /** No new links for this token (those made stay until they close). */
  static void close(byte[] token) {
    DRIVERS.remove(key(token));
  }

  /**
   * The task's end of a new link for {@code partition}, its other end given to the driver of {@code
   * token}; null if that driver is not in this JVM.
   */
  static ResidentLink connect(byte[] token, int partition) {
    ObjIntConsumer<ResidentLink> driver = DRIVERS.get(key(token));
    if (driver == null) {
      return null;
    }
    QueueLink taskEnd = new QueueLink();
    QueueLink driverEnd = new QueueLink();
    taskEnd.peer = driverEnd;
    driverEnd.peer = taskEnd;
    driver.accept(driverEnd, partition);
    LINKS_MADE.incrementAndGet();
    return taskEnd;
  }

  /** How many in-memory links this JVM has made (for tests: which way the tasks linked). */
  static long linksMade() {
    return LINKS_MADE.get();
  }

  private static String key(byte[] token) {
    return HexFormat.of().formatHex(token);
  }

  /** One end: frames for it wait in its inbox. */
  private static final class QueueLink implements ResidentLink {
    private final BlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
    private QueueLink peer;
    private volatile boolean closed;

    @Override
    public void send(byte[] frame) throws IOException {
      if (closed || peer.closed) {
        throw new EOFException("the resident link is closed");
      }
      peer.inbox.add(frame);
    }

    @Override
    public byte[] receive(BooleanSupplier keepWaiting) throws IOException {
      while (true) {
        byte[] frame;
        try {
          frame = inbox.poll(ResidentTask.POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          // Spark interrupts a task it kills: keepWaiting then throws its TaskKilledException.
          if (!keepWaiting.getAsBoolean()) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a frame");
          }
          continue;
        }
        if (frame == CLOSED) {
          inbox.add(CLOSED); // every later read ends too
          throw new EOFException("the other end of the resident link closed");
        }
        if (frame != null) {
          return frame;
        }
        if (!keepWaiting.getAsBoolean()) {
          throw new SocketTimeoutException("no frame within the wait");
        }
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        peer.inbox.add(CLOSED);
        inbox.add(CLOSED);
      }
    }
  }
}
