package org.sparkdpsgd.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The wire form of a task's sums is lossless, and half the size when the sums are floats. */
class CompactSumsTest {
  @Test
  void floatValuedSumsTravelAsFloatsBitForBit() throws Exception {
    SplittableRandom rng = new SplittableRandom(3);
    double[] sums = new double[10_000];
    for (int k = 0; k < sums.length; k++) {
      sums[k] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-30, 30)));
    }
    sums[0] = -0.0;
    sums[1] = Float.MIN_VALUE;
    sums[2] = Float.MAX_VALUE;
    byte[] wire = write(sums);
    assertArrayEquals(sums, read(wire), 0.0);
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(read(wire)[0]));
    assertTrue(wire.length < 4 * sums.length + 200, wire.length + " bytes");
  }

  @Test
  void sumsThatAreNotFloatsTravelAsDoubles() throws Exception {
    double[] sums = {1.0, 0.1, Math.PI, 1e300, Double.NaN, 5e-324};
    byte[] wire = write(sums);
    double[] back = read(wire);
    for (int k = 0; k < sums.length; k++) {
      assertEquals(Double.doubleToRawLongBits(sums[k]), Double.doubleToRawLongBits(back[k]));
    }
    assertTrue(wire.length >= 8 * sums.length);
    assertNull(read(write(null)));
  }

  private static byte[] write(double[] values) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      CompactSums.write(values, out);
    }
    return bytes.toByteArray();
  }

  private static double[] read(byte[] wire) throws Exception {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(wire))) {
      return CompactSums.read(in);
    }
  }
}
