package org.sparkdpsgd.aggregate;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;

/**
 * Lossless wire form of a vector of sums: as floats when every value is exactly a float (sums
 * computed in float precision, the usual case), else as doubles. What arrives is bit-for-bit what
 * was sent, so rounding it to the fixed-point grid on the receiving side gives the same result as
 * on the sending side.
 */
final class CompactSums {
  private static final byte ABSENT = 0;
  private static final byte FLOATS = 1;
  private static final byte DOUBLES = 2;

  private CompactSums() {}

  static void write(double[] values, ObjectOutputStream out) throws IOException {
    if (values == null) {
      out.writeByte(ABSENT);
    } else if (allFloats(values)) {
      float[] narrow = new float[values.length];
      for (int k = 0; k < values.length; k++) {
        narrow[k] = (float) values[k];
      }
      out.writeByte(FLOATS);
      out.writeObject(narrow);
    } else {
      out.writeByte(DOUBLES);
      out.writeObject(values);
    }
  }

  static double[] read(ObjectInputStream in) throws IOException, ClassNotFoundException {
    byte form = in.readByte();
    switch (form) {
      case ABSENT:
        return null;
      case FLOATS:
        float[] narrow = (float[]) in.readObject();
        double[] values = new double[narrow.length];
        for (int k = 0; k < narrow.length; k++) {
          values[k] = narrow[k];
        }
        return values;
      case DOUBLES:
        return (double[]) in.readObject();
      default:
        throw new IOException("unknown form " + form + " of serialised gradient sums");
    }
  }

  /** True if every value survives a round trip through float unchanged (NaN never does). */
  static boolean allFloats(double[] values) {
    for (double v : values) {
      if ((double) (float) v != v) {
        return false;
      }
    }
    return true;
  }

  /** The byte size of {@link #put}'s form of {@code values}. */
  static int size(double[] values) {
    if (values == null) {
      return 1;
    }
    return 1 + 4 + values.length * (allFloats(values) ? 4 : 8);
  }

  /** The same lossless form as {@link #write}, in bulk into a buffer (resident tasks' wire). */
  static void put(double[] values, ByteBuffer out) {
    if (values == null) {
      out.put(ABSENT);
      return;
    }
    boolean narrow = allFloats(values);
    out.put(narrow ? FLOATS : DOUBLES).putInt(values.length);
    if (narrow) {
      float[] f = new float[values.length];
      for (int k = 0; k < f.length; k++) {
        f[k] = (float) values[k];
      }
      out.asFloatBuffer().put(f);
      out.position(out.position() + 4 * f.length);
    } else {
      out.asDoubleBuffer().put(values);
      out.position(out.position() + 8 * values.length);
    }
  }

  static double[] get(ByteBuffer in) throws IOException {
    byte form = in.get();
    if (form == ABSENT) {
      return null;
    }
    int n = in.getInt();
    double[] values = new double[n];
    if (form == FLOATS) {
      float[] f = new float[n];
      in.asFloatBuffer().get(f);
      in.position(in.position() + 4 * n);
      for (int k = 0; k < n; k++) {
        values[k] = f[k];
      }
    } else if (form == DOUBLES) {
      in.asDoubleBuffer().get(values);
      in.position(in.position() + 8 * n);
    } else {
      throw new IOException("unknown form " + form + " of gradient sums");
    }
    return values;
  }
}
