package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The layers' float products against the exact product (in double): every entry within the float
 * bound γ_{k+2} (|α| Σ|a||b| + |β c|) that the layers' rounding arguments assume, for every
 * transpose flag, row- and column-major operands and results, and views into larger arrays.
 */
class SgemmTest {
  private static final double U = Math.ulp(1f) / 2;

  @Test
  void oneDnnCarriesTheProductsOnThisPlatform() {
    assertTrue(Sgemm.usesOneDnn(), "oneDNN did not load: products fell back to ND4J's gemm");
  }

  @Test
  void everyLayoutMatchesTheExactProductWithinTheFloatBound() {
    SplittableRandom rng = new SplittableRandom(11);
    int m = 37;
    int k = 301;
    int n = 19;
    int cases = 0;
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (int layout = 0; layout < 3; layout++) {
          for (float beta : new float[] {0f, 1f}) {
            INDArray a = operand(rng, ta ? k : m, ta ? m : k, layout);
            INDArray b = operand(rng, tb ? n : k, tb ? k : n, (layout + 1) % 3);
            INDArray c = operand(rng, m, n, (layout + 2) % 3);
            assertTrue(Sgemm.readsInPlace(a) && Sgemm.readsInPlace(c), "layout " + layout);
            double[][] before = toDouble(c);
            Sgemm.into(a, b, c, ta, tb, 0.5f, beta);
            check(a, b, before, c, ta, tb, 0.5, beta);
            cases++;
          }
        }
      }
    }
    assertTrue(cases == 24);
  }

  @Test
  void aNewProductIsRowMajorAndExact() {
    SplittableRandom rng = new SplittableRandom(3);
    INDArray a = operand(rng, 64, 784, 0);
    INDArray b = operand(rng, 10, 784, 1);
    INDArray c = Sgemm.product(a, b, false, true);
    check(a, b, new double[64][10], c, false, true, 1, 0);
    assertTrue(c.ordering() == 'c');
  }

  @Test
  void mismatchedShapesAreRefused() {
    INDArray a = Nd4j.create(DataType.FLOAT, 3, 4);
    INDArray b = Nd4j.create(DataType.FLOAT, 5, 2);
    INDArray c = Nd4j.create(DataType.FLOAT, 3, 2);
    assertThrows(IllegalArgumentException.class, () -> Sgemm.into(a, b, c, false, false, 1f, 0f));
  }

  /** Layout 0: row-major; 1: column-major; 2: a row-major view inside a larger array. */
  private static INDArray operand(SplittableRandom rng, int rows, int cols, int layout) {
    INDArray x =
        switch (layout) {
          case 0 -> Nd4j.create(DataType.FLOAT, new long[] {rows, cols}, 'c');
          case 1 -> Nd4j.create(DataType.FLOAT, new long[] {rows, cols}, 'f');
          default ->
              Nd4j.create(DataType.FLOAT, new long[] {rows + 3, cols + 5}, 'c')
                  .get(NDArrayIndex.interval(2, 2 + rows), NDArrayIndex.interval(3, 3 + cols));
        };
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        x.putScalar(i, j, (float) (rng.nextGaussian() * Math.exp(rng.nextGaussian())));
      }
    }
    return x;
  }

  private static double[][] toDouble(INDArray x) {
    double[][] out = new double[(int) x.size(0)][(int) x.size(1)];
    for (int i = 0; i < out.length; i++) {
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = x.getFloat(i, j);
      }
    }
    return out;
  }

  private static void check(
      INDArray a,
      INDArray b,
      double[][] c0,
      INDArray c,
      boolean ta,
      boolean tb,
      double alpha,
      double beta) {
    int k = (int) (ta ? a.size(0) : a.size(1));
    double gamma = (k + 2) * U / (1 - (k + 2) * U);
    for (int i = 0; i < c.size(0); i++) {
      for (int j = 0; j < c.size(1); j++) {
        double exact = beta * c0[i][j];
        double magnitude = Math.abs(beta * c0[i][j]);
        for (int p = 0; p < k; p++) {
          double x = ta ? a.getFloat(p, i) : a.getFloat(i, p);
          double y = tb ? b.getFloat(j, p) : b.getFloat(p, j);
          exact += alpha * x * y;
          magnitude += Math.abs(alpha * x * y);
        }
        double err = Math.abs(c.getFloat(i, j) - exact);
        assertTrue(
            err <= gamma * magnitude,
            "entry " + i + "," + j + ": error " + err + " above " + gamma * magnitude);
      }
    }
  }
}
