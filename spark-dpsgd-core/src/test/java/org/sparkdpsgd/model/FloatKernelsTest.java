package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The float path's Java kernels against straightforward loops: im2col and col2im (padded and not,
 * the unrolled kernels of 8 and 4 and the general loop), and max pooling's forward (the shifted 2 ×
 * 2 stride-1 path and the window-by-window one) and backward routing, with ties, signed zeros,
 * infinite deltas and NaN or infinite inputs.
 */
class FloatKernelsTest {
  /**
   * Scaling the rows of a float matrix in Java gives ND4J's broadcast product bit for bit (one
   * float multiplication each), specials included; other arrays are left to ND4J.
   */
  @Test
  void rowScalingInJavaMatchesNd4jBitForBit() {
    SplittableRandom rng = new SplittableRandom(5);
    int m = 37;
    int n = 29;
    float[] x = new float[m * n];
    float[] c = new float[m];
    for (int k = 0; k < x.length; k++) {
      x[k] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-40, 38)));
    }
    x[0] = Float.POSITIVE_INFINITY;
    x[1] = Float.NaN;
    x[2] = Float.MIN_VALUE;
    for (int i = 0; i < m; i++) {
      c[i] = (float) rng.nextDouble();
    }
    c[3] = 0f;
    c[4] = Float.MIN_NORMAL;
    INDArray mine = Nd4j.create(x, new long[] {m, n}, 'c');
    INDArray factors = Nd4j.create(c, new long[] {m, 1}, 'c');
    INDArray expected = mine.mulColumnVector(factors);
    assertTrue(Arrays2.scaleRowsInPlace(mine, factors));
    float[] got = Arrays2.floats(mine);
    float[] want = Arrays2.floats(expected);
    for (int k = 0; k < x.length; k++) {
      assertEquals(
          Float.floatToRawIntBits(want[k]), Float.floatToRawIntBits(got[k]), "element " + k);
    }
    INDArray view = Nd4j.create(x, new long[] {m, n}, 'c').transpose();
    assertTrue(!Arrays2.scaleRowsInPlace(view, Nd4j.ones(n, 1).castTo(view.dataType())));
  }

  @Test
  void im2colAndCol2imMatchLoops() {
    int[][] geometries = { // C, H, W, k, stride, padding
      {1, 28, 28, 8, 2, 3}, {16, 13, 13, 4, 2, 0}, {2, 9, 7, 3, 1, 1}, {3, 6, 6, 4, 1, 2}
    };
    SplittableRandom rng = new SplittableRandom(5);
    for (int[] q : geometries) {
      int oh = (q[1] + 2 * q[5] - q[3]) / q[4] + 1;
      int ow = (q[2] + 2 * q[5] - q[3]) / q[4] + 1;
      Patches.Geometry g = new Patches.Geometry(q[0], q[1], q[2], q[3], q[4], q[5], oh, ow);
      int m = 3;
      int imageSize = q[0] * q[1] * q[2];
      int rowLength = q[0] * q[3] * q[3];
      float[][] scratch = {new float[0], new float[0], new float[0], new float[0], new float[0]};
      for (int pass = 0; pass < 2; pass++) { // the second reuses the scratch arrays
        float[] x = random(rng, m * imageSize);
        float[] cols = random(rng, m * g.positions() * rowLength);
        float[] patches =
            Arrays2.floats(
                Patches.im2col(Nd4j.createFromArray(x).reshape(m, q[0], q[1], q[2]), g, scratch));
        float[] image =
            Arrays2.floats(
                Patches.col2im(
                    Nd4j.createFromArray(cols).reshape(m * g.positions(), rowLength),
                    m,
                    g,
                    scratch));
        float[] expectedImage = new float[m * imageSize];
        int r = 0;
        for (int i = 0; i < m; i++) {
          for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++, r++) {
              int e = 0;
              for (int c = 0; c < q[0]; c++) {
                for (int ky = 0; ky < q[3]; ky++) {
                  for (int kx = 0; kx < q[3]; kx++, e++) {
                    int y = oy * q[4] - q[5] + ky;
                    int xx = ox * q[4] - q[5] + kx;
                    boolean inside = y >= 0 && y < q[1] && xx >= 0 && xx < q[2];
                    int at = i * imageSize + (c * q[1] + y) * q[2] + xx;
                    String where = "geometry " + java.util.Arrays.toString(q) + " row " + r;
                    assertEquals(inside ? x[at] : 0f, patches[r * rowLength + e], 0f, where);
                    if (inside) {
                      expectedImage[at] += cols[r * rowLength + e];
                    }
                  }
                }
              }
            }
          }
        }
        for (int k = 0; k < expectedImage.length; k++) {
          assertEquals(expectedImage[k], image[k], 0f, "image gradient " + k);
        }
      }
    }
  }

  @Test
  void maxPoolingMatchesLoops() {
    SplittableRandom rng = new SplittableRandom(9);
    int[][] pools = {{2, 1}, {2, 2}, {3, 1}, {3, 2}}; // size, stride
    for (int[] p : pools) {
      for (int variant = 0; variant < 4; variant++) {
        Shape in = new Shape(3, 7, 6);
        int m = 4;
        Shape out = new Shape(3, (in.height() - p[0]) / p[1] + 1, (in.width() - p[0]) / p[1] + 1);
        // Few distinct values (many ties), signed zeros as relu leaves none but others may.
        float[] x = new float[m * in.size()];
        for (int k = 0; k < x.length; k++) {
          int v = rng.nextInt(5);
          x[k] = v == 0 ? -0f : v == 1 ? 0f : v - 3;
        }
        float[] d = random(rng, m * out.size());
        String what = "pool " + p[0] + "/" + p[1] + " variant " + variant;
        if (variant == 1) {
          d[rng.nextInt(d.length)] = Float.POSITIVE_INFINITY;
        } else if (variant == 2) {
          x[rng.nextInt(x.length)] = Float.NaN;
        } else if (variant == 3) {
          x[rng.nextInt(x.length)] = Float.POSITIVE_INFINITY;
        }
        PoolLayer layer = new PoolLayer(new LayerSpec.Pool(true, p[0], p[1]), in, out);
        for (int pass = 0; pass < 2; pass++) { // the second reuses the scratch arrays
          float[] pooled =
              Arrays2.floats(layer.forward(Nd4j.createFromArray(x).reshape(m, in.size())));
          INDArray dOut =
              Nd4j.createFromArray(d).reshape(m, out.channels(), out.height(), out.width());
          float[] gradIn = Arrays2.floats(layer.backward(dOut, true, new ArrayList<>()));
          float[] expected = new float[x.length];
          int o = 0;
          for (int plane = 0; plane < m * in.channels(); plane++) {
            int base = plane * in.height() * in.width();
            for (int oy = 0; oy < out.height(); oy++) {
              for (int ox = 0; ox < out.width(); ox++, o++) {
                float max = Float.NEGATIVE_INFINITY;
                boolean nan = false;
                for (int ky = 0; ky < p[0]; ky++) {
                  for (int kx = 0; kx < p[0]; kx++) {
                    float v = x[base + (oy * p[1] + ky) * in.width() + ox * p[1] + kx];
                    nan |= Float.isNaN(v);
                    max = Math.max(max, v);
                  }
                }
                assertEquals(max, pooled[o], 0f, what + " output " + o);
                // The first input equal to the maximum; 2 x 2 windows compare bits (after +0f), so
                // a NaN maximum goes to the input it came from, or else to the last input; larger
                // windows compare with ==, so a NaN maximum goes to the first input.
                int at = -1;
                for (int t = 0; t < p[0] * p[0] && at < 0; t++) {
                  int i = base + (oy * p[1] + t / p[0]) * in.width() + ox * p[1] + t % p[0];
                  boolean equal =
                      p[0] == 2
                          ? Float.floatToRawIntBits(x[i] + 0f) == Float.floatToRawIntBits(max + 0f)
                          : x[i] == max;
                  if (equal) {
                    at = i;
                  }
                }
                if (at < 0) {
                  assertTrue(nan, what + ": only a NaN window has no input equal to it");
                  int t = p[0] == 2 ? 3 : 0;
                  at = base + (oy * p[1] + t / p[0]) * in.width() + ox * p[1] + t % p[0];
                }
                expected[at] += d[o];
              }
            }
          }
          for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], gradIn[k], 0f, what + " input gradient " + k);
          }
        }
      }
    }
  }

  private static float[] random(SplittableRandom rng, int n) {
    float[] v = new float[n];
    for (int k = 0; k < n; k++) {
      v[k] = (float) rng.nextGaussian();
    }
    return v;
  }
}
