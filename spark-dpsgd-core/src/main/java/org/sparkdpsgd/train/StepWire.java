package org.sparkdpsgd.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BooleanSupplier;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepWeights;

/**
 * The messages between the driver and its resident tasks ({@link ResidentSteps}). Every message is
 * a length-prefixed frame read with {@link #readFrame}, which survives socket timeouts in the
 * middle of a frame: both sides poll with short timeouts so that they notice a cancelled task or a
 * lost peer, and a timeout must never leave a stream half-read.
 *
 * <pre>
 *   hello  (task → driver): token (32 bytes), partition, attempt id
 *   step   (driver → task): STEP, step number, precision, weights
 *   stop   (driver → task): STOP
 *   result (task → driver): the task's aggregator ({@link ClippedGradientAggregator#toWire})
 * </pre>
 */
final class StepWire {
  static final int TOKEN_BYTES = 32;
  static final byte STEP = 1;
  static final byte STOP = 2;
  private static final byte FLOATS = 0;
  private static final byte DOUBLES = 1;

  /** A frame larger than this is a corrupt or foreign stream, not a message of ours. */
  private static final int MAX_FRAME = Integer.MAX_VALUE - 16;

  private StepWire() {}

  /** One step for every task, encoded once. */
  static byte[] step(long step, StepWeights weights) {
    float[] f = weights.narrow() ? weights.floats() : null;
    int n = f != null ? f.length : weights.doubles().length;
    // Little-endian, the native order of the machines Spark runs on: the weights are copied in bulk
    // rather than byte-swapped value by value.
    ByteBuffer b =
        ByteBuffer.allocate(1 + 8 + 1 + 4 + n * (f != null ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
    b.put(STEP).putLong(step).put(f != null ? FLOATS : DOUBLES).putInt(n);
    if (f != null) {
      b.asFloatBuffer().put(f);
    } else {
      b.asDoubleBuffer().put(weights.doubles());
    }
    return b.array();
  }

  static byte[] stop() {
    return new byte[] {STOP};
  }

  /** A decoded step message. */
  record Step(long step, StepWeights weights) {}

  /** Decodes a step message; null for a stop. */
  static Step readStep(byte[] frame) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
    byte kind = b.get();
    if (kind == STOP) {
      return null;
    }
    if (kind != STEP) {
      throw new IOException("unknown message " + kind + " from the driver");
    }
    long step = b.getLong();
    byte precision = b.get();
    int n = b.getInt();
    b.position(1 + 8 + 1 + 4);
    if (precision == FLOATS) {
      float[] f = new float[n];
      b.asFloatBuffer().get(f);
      return new Step(step, StepWeights.ofFloats(f));
    }
    double[] d = new double[n];
    b.asDoubleBuffer().get(d);
    return new Step(step, StepWeights.ofDoubles(d));
  }

  static final int HELLO_BYTES = TOKEN_BYTES + 4 + 8;

  static byte[] hello(byte[] token, int partition, long attemptId) {
    return ByteBuffer.allocate(HELLO_BYTES).put(token).putInt(partition).putLong(attemptId).array();
  }

  static void writeFrame(OutputStream out, byte[] payload) throws IOException {
    out.write(ByteBuffer.allocate(4).putInt(payload.length).array());
    out.write(payload);
    out.flush();
  }

  /**
   * Reads one frame from a socket stream with a read timeout set. On each timeout it asks {@code
   * keepWaiting}: false ends the wait with a {@link SocketTimeoutException}; a partly read frame is
   * then lost, which is why the caller drops the connection.
   */
  static byte[] readFrame(InputStream in, BooleanSupplier keepWaiting) throws IOException {
    return readFrame(in, keepWaiting, MAX_FRAME);
  }

  /** As above, refusing a frame longer than {@code maxLength} (what an unknown peer may send). */
  static byte[] readFrame(InputStream in, BooleanSupplier keepWaiting, int maxLength)
      throws IOException {
    byte[] length = new byte[4];
    readFully(in, length, keepWaiting);
    int n = ByteBuffer.wrap(length).getInt();
    if (n < 0 || n > maxLength) {
      throw new IOException("corrupt frame length " + n);
    }
    byte[] payload = new byte[n];
    readFully(in, payload, keepWaiting);
    return payload;
  }

  private static void readFully(InputStream in, byte[] into, BooleanSupplier keepWaiting)
      throws IOException {
    int off = 0;
    while (off < into.length) {
      int r;
      try {
        r = in.read(into, off, into.length - off);
      } catch (SocketTimeoutException e) {
        if (!keepWaiting.getAsBoolean()) {
          throw e;
        }
        continue;
      }
      if (r < 0) {
        throw new java.io.EOFException("the connection closed in the middle of a message");
      }
      off += r;
    }
  }
}
