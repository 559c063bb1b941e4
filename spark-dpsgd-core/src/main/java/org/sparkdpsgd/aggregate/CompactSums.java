package org.sparkdpsgd.aggregate;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Lossless wire form of a vector of sums: as floats when every value is exactly a float (sums
 * computed in float precision, the usual case), else as doubles. What arrives is bit-for-bit what
 * was sent, so rounding it to the fixed-point grid on the receiving side gives the same result as
 * on the sending side. Callers use little-endian buffers ({@link #ORDER}): on the machines Spark
 * runs on that is the native order, so the bulk copies are plain memory copies, without swapping
 * the bytes of every value.
 */
final class CompactSums {
  private static final byte ABSENT = 0;
  private static final byte FLOATS = 1;
  private static final byte DOUBLES = 2;

  /** The byte order of every buffer holding this form. */
  static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

  private CompactSums() {}

  /** True if every value survives a round trip through float unchanged (NaN never does). */
  static boolean allFloats(double[] values) {
    for (double v : values) {
      if ((double) (float) v != v) {
        return false;
      }
    }
    return true;
  }

  /**
   * The byte size of {@link #put}'s form of {@code values}; {@code narrow} is {@link
   * #allFloats}{@code (values)}, computed once by the caller (it is a pass over every value).
   */
  static int size(double[] values, boolean narrow) {
    return values == null ? 1 : 1 + 4 + values.length * (narrow ? 4 : 8);
  }

  /** Writes the lossless form: floats if {@code narrow}, else doubles. */
  static void put(double[] values, boolean narrow, ByteBuffer out) {
    if (values == null) {
      out.put(ABSENT);
      return;
    }
    out.put(narrow ? FLOATS : DOUBLES).putInt(values.length);
    if (narrow) {
      // Narrowed in one loop, then copied in bulk: a float buffer's put(float) per value cost more.
      float[] floats = new float[values.length];
      for (int k = 0; k < floats.length; k++) {
        floats[k] = (float) values[k];
      }
      out.asFloatBuffer().put(floats);
      out.position(out.position() + 4 * values.length);
    } else {
      out.asDoubleBuffer().put(values);
      out.position(out.position() + 8 * values.length);
    }
  }

  /** The byte size of {@link #put(float[], ByteBuffer)}'s form. */
  static int size(float[] values) {
    return 1 + 4 + values.length * 4;
  }

  /** Writes float sums as they are (the form of a task whose rows all computed in float). */
  static void put(float[] values, ByteBuffer out) {
    out.put(FLOATS).putInt(values.length);
    out.asFloatBuffer().put(values);
    out.position(out.position() + 4 * values.length);
  }

  /** What {@link #read} found: floats, or doubles, or neither (absent). */
  record Read(float[] floats, double[] doubles) {}

  /** Reads either form, floats kept as floats (no widened copy). */
  static Read read(ByteBuffer in) throws IOException {
    byte form = in.get();
    if (form == ABSENT) {
      return new Read(null, null);
    }
    int n = in.getInt();
    if (form == FLOATS) {
      float[] floats = new float[n];
      in.asFloatBuffer().get(floats);
      in.position(in.position() + 4 * n);
      return new Read(floats, null);
    }
    if (form == DOUBLES) {
      double[] values = new double[n];
      in.asDoubleBuffer().get(values);
      in.position(in.position() + 8 * n);
      return new Read(null, values);
    }
    throw new IOException("unknown form " + form + " of gradient sums");
  }
}
