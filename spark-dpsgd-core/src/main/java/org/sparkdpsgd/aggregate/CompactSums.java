package org.sparkdpsgd.aggregate;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

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
}
