package org.sparkdpsgd.model;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * im2col and col2im for float batches, in Java: patches laid out [m, H', W', C, k, k] (row-major,
 * so they reshape to [m·P × K] without a copy), images [m, C, H, W]. ND4J's ops write through the
 * permuted view this layout needs and took most of a small CNN's step (ten times the matrix
 * products); here each patch row is assembled in Java and written with one bulk copy. im2col only
 * copies values (the same patches as ND4J's, bit for bit); col2im sums overlapping patches in its
 * own order, which may differ from ND4J's in the last bit (the norm bounds are taken from whatever
 * values the layers compute, so this changes no guarantee).
 */
final class Patches {
  private Patches() {}

  /**
   * Patches of {@code image} [m, C, H, W] (float, any layout) for the given geometry. Each
   * example's patches are assembled in a Java array (scratch[1], small enough to stay in cache) and
   * written with one bulk copy: a copy per patch row took twice as long.
   */
  static INDArray im2col(INDArray image, Geometry g, float[][] scratch) {
    int m = (int) image.size(0);
    float[] x = Arrays2.floats(image, scratch[0]);
    scratch[0] = x;
    int k = g.kernel;
    int rowLength = g.channels * k * k;
    int block = g.positions() * rowLength;
    float[] rows = scratch[1].length >= block ? scratch[1] : new float[block];
    scratch[1] = rows;
    INDArray cols = Nd4j.createUninitialized(DataType.FLOAT, (long) m * g.positions(), rowLength);
    FloatPointer out = new FloatPointer(cols.data().addressPointer());
    int imageSize = g.channels * g.height * g.width;
    for (int i = 0; i < m; i++) {
      int base = i * imageSize;
      int o = 0;
      for (int oy = 0; oy < g.outHeight; oy++) {
        for (int ox = 0; ox < g.outWidth; ox++) {
          int y0 = oy * g.stride - g.padding;
          int x0 = ox * g.stride - g.padding;
          boolean inside = x0 >= 0 && x0 + k <= g.width;
          for (int c = 0; c < g.channels; c++) {
            int plane = base + c * g.height * g.width;
            for (int ky = 0; ky < k; ky++) {
              int iy = y0 + ky;
              if (iy < 0 || iy >= g.height) {
                java.util.Arrays.fill(rows, o, o + k, 0f);
              } else {
                int line = plane + iy * g.width + x0;
                if (inside) {
                  for (int kx = 0; kx < k; kx++) {
                    rows[o + kx] = x[line + kx];
                  }
                } else {
                  for (int kx = 0; kx < k; kx++) {
                    int ix = x0 + kx;
                    rows[o + kx] = ix >= 0 && ix < g.width ? x[line + kx] : 0f;
                  }
                }
              }
              o += k;
            }
          }
        }
      }
      out.position((long) i * block).put(rows, 0, block);
    }
    return cols;
  }

  /** The image gradient [m, C, H, W] (row-major) from patch gradients [m·P × K] (summed). */
  static INDArray col2im(INDArray patchGradients, int m, Geometry g, float[][] scratch) {
    int k = g.kernel;
    int rowLength = g.channels * k * k;
    float[] cols = Arrays2.floats(patchGradients, scratch[1]);
    scratch[1] = cols;
    int imageSize = g.channels * g.height * g.width;
    float[] img = scratch[2].length >= m * imageSize ? scratch[2] : new float[m * imageSize];
    java.util.Arrays.fill(img, 0, m * imageSize, 0f);
    scratch[2] = img;
    int r = 0;
    for (int i = 0; i < m; i++) {
      int base = i * imageSize;
      for (int oy = 0; oy < g.outHeight; oy++) {
        for (int ox = 0; ox < g.outWidth; ox++) {
          int y0 = oy * g.stride - g.padding;
          int x0 = ox * g.stride - g.padding;
          boolean inside = x0 >= 0 && x0 + k <= g.width;
          int o = r * rowLength;
          for (int c = 0; c < g.channels; c++) {
            int plane = base + c * g.height * g.width;
            for (int ky = 0; ky < k; ky++) {
              int iy = y0 + ky;
              if (iy >= 0 && iy < g.height) {
                int line = plane + iy * g.width + x0;
                if (inside) {
                  for (int kx = 0; kx < k; kx++) {
                    img[line + kx] += cols[o + kx];
                  }
                } else {
                  for (int kx = 0; kx < k; kx++) {
                    int ix = x0 + kx;
                    if (ix >= 0 && ix < g.width) {
                      img[line + kx] += cols[o + kx];
                    }
                  }
                }
              }
              o += k;
            }
          }
          r++;
        }
      }
    }
    INDArray out =
        Nd4j.createUninitialized(DataType.FLOAT, (long) m, g.channels, g.height, g.width);
    Arrays2.copyFrom(img, 0, out);
    return out;
  }

  /** Input and output sizes of a square-kernel convolution with equal stride and padding. */
  record Geometry(
      int channels,
      int height,
      int width,
      int kernel,
      int stride,
      int padding,
      int outHeight,
      int outWidth) {
    int positions() {
      return outHeight * outWidth;
    }
  }
}
