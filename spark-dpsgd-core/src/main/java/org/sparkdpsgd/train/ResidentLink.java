package org.sparkdpsgd.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.function.BooleanSupplier;

/**
 * One end of the channel between the driver and a resident task ({@link ResidentSteps}): whole
 * frames of {@link StepWire} in and out. Over a socket when the task runs in an executor's own JVM;
 * through memory ({@link InJvmLinks}) when it runs in the driver's (Spark's local mode).
 */
interface ResidentLink {
  /** Sends one frame; an IOException if the other end is gone. */
  void send(byte[] frame) throws IOException;

  /**
   * The next frame. While none comes it asks {@code keepWaiting} every {@link
   * ResidentTask#POLL_MILLIS}: false ends the wait with an IOException (the link may then be half
   * read, so the caller drops it), as does the other end closing.
   */
  byte[] receive(BooleanSupplier keepWaiting) throws IOException;

  /** Closes this end; the other end's reads end once the frames already sent are read. */
  void close();

  /** A link over a connected socket (read timeout set to the poll interval). */
  static ResidentLink over(Socket socket) throws IOException {
    socket.setSoTimeout(ResidentTask.POLL_MILLIS);
    InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    return new ResidentLink() {
      @Override
      public void send(byte[] frame) throws IOException {
        StepWire.writeFrame(out, frame);
      }

      @Override
      public byte[] receive(BooleanSupplier keepWaiting) throws IOException {
        return StepWire.readFrame(in, keepWaiting);
      }

      @Override
      public void close() {
        try {
          socket.close();
        } catch (IOException e) {
          // nothing to do: the other end sees the connection end either way
        }
      }
    };
  }
}
