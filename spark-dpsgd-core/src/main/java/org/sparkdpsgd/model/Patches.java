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
   * written with one bulk copy: a copy per patch row took twice as long. A padded convolution first
   * copies the example into a zero-bordered image (scratch[3]), so that every patch row is a plain
   * copy of k values without bounds tests.
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
    int wp = g.paddedWidth();
    int planeSize = g.paddedHeight() * wp;
    float[] padded = g.padding > 0 ? paddedScratch(g, scratch) : null;
    for (int i = 0; i < m; i++) {
      float[] src = x;
      int base = i * imageSize;
      if (padded != null) {
        pad(x, base, padded, g);
        src = padded;
        base = 0;
      }
      int o = 0;
      for (int oy = 0; oy < g.outHeight; oy++) {
        for (int ox = 0; ox < g.outWidth; ox++) {
          int corner = base + oy * g.stride * wp + ox * g.stride;
          for (int c = 0; c < g.channels; c++) {
            int line = corner + c * planeSize;
            for (int ky = 0; ky < k; ky++, line += wp, o += k) {
              copyRun(src, line, rows, o, k);
            }
          }
        }
      }
      out.position((long) i * block).put(rows, 0, block);
    }
    return cols;
  }

  /** dst[to ..] = src[from ..], k values; kernels of 8 and 4 unrolled (a loop of k did not pay). */
  private static void copyRun(float[] src, int from, float[] dst, int to, int k) {
    if (k == 8) {
      dst[to] = src[from];
      dst[to + 1] = src[from + 1];
      dst[to + 2] = src[from + 2];
      dst[to + 3] = src[from + 3];
      dst[to + 4] = src[from + 4];
      dst[to + 5] = src[from + 5];
      dst[to + 6] = src[from + 6];
      dst[to + 7] = src[from + 7];
    } else if (k == 4) {
      dst[to] = src[from];
      dst[to + 1] = src[from + 1];
      dst[to + 2] = src[from + 2];
      dst[to + 3] = src[from + 3];
    } else {
      for (int t = 0; t < k; t++) {
        dst[to + t] = src[from + t];
      }
    }
  }

  /** dst[to ..] += src[from ..], k values (as {@link #copyRun}). */
  private static void addRun(float[] src, int from, float[] dst, int to, int k) {
    if (k == 8) {
      dst[to] += src[from];
      dst[to + 1] += src[from + 1];
      dst[to + 2] += src[from + 2];
      dst[to + 3] += src[from + 3];
      dst[to + 4] += src[from + 4];
      dst[to + 5] += src[from + 5];
      dst[to + 6] += src[from + 6];
      dst[to + 7] += src[from + 7];
    } else if (k == 4) {
      dst[to] += src[from];
      dst[to + 1] += src[from + 1];
      dst[to + 2] += src[from + 2];
      dst[to + 3] += src[from + 3];
    } else {
      for (int t = 0; t < k; t++) {
        dst[to + t] += src[from + t];
      }
    }
  }

  /**
   * The zero-bordered image scratch (scratch[3]) of a padded geometry: its border is never written,
   * so it stays zero while the array is reused.
   */
  private static float[] paddedScratch(Geometry g, float[][] scratch) {
    int size = g.channels * g.paddedHeight() * g.paddedWidth();
    if (scratch[3].length != size) {
      scratch[3] = new float[size];
    }
    return scratch[3];
  }

  /** Copies example image x[base ..] [C, H, W] into the interior of the padded image. */
  private static void pad(float[] x, int base, float[] padded, Geometry g) {
    int wp = g.paddedWidth();
    int hp = g.paddedHeight();
    for (int c = 0; c < g.channels; c++) {
      for (int y = 0; y < g.height; y++) {
        System.arraycopy(
            x,
            base + (c * g.height + y) * g.width,
            padded,
            (c * hp + y + g.padding) * wp + g.padding,
            g.width);
      }
    }
  }

  /**
   * The image gradient [m, C, H, W] (row-major) from patch gradients [m·P × K] (summed, patch by
   * patch in row order, as each input's additions come). A padded convolution sums each example
   * into a padded image (scratch[4]) and keeps its interior.
   */
  static INDArray col2im(INDArray patchGradients, int m, Geometry g, float[][] scratch) {
    int k = g.kernel;
    float[] cols = Arrays2.floats(patchGradients, scratch[1]);
    scratch[1] = cols;
    int imageSize = g.channels * g.height * g.width;
    float[] img = scratch[2].length >= m * imageSize ? scratch[2] : new float[m * imageSize];
    scratch[2] = img;
    int wp = g.paddedWidth();
    int hp = g.paddedHeight();
    int planeSize = hp * wp;
    float[] padded = null;
    if (g.padding > 0) {
      int size = g.channels * hp * wp;
      padded = scratch[4].length == size ? scratch[4] : new float[size];
      scratch[4] = padded;
    } else {
      java.util.Arrays.fill(img, 0, m * imageSize, 0f);
    }
    int o = 0;
    for (int i = 0; i < m; i++) {
      float[] dst = img;
      int base = i * imageSize;
      if (padded != null) {
        java.util.Arrays.fill(padded, 0f);
        dst = padded;
        base = 0;
      }
      for (int oy = 0; oy < g.outHeight; oy++) {
        for (int ox = 0; ox < g.outWidth; ox++) {
          int corner = base + oy * g.stride * wp + ox * g.stride;
          for (int c = 0; c < g.channels; c++) {
            int line = corner + c * planeSize;
            for (int ky = 0; ky < k; ky++, line += wp, o += k) {
              addRun(cols, o, dst, line, k);
            }
          }
        }
      }
      if (padded != null) {
        for (int c = 0; c < g.channels; c++) {
          for (int y = 0; y < g.height; y++) {
            System.arraycopy(
                padded,
                (c * hp + y + g.padding) * wp + g.padding,
                img,
                i * imageSize + (c * g.height + y) * g.width,
                g.width);
          }
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

    int paddedHeight() {
      return height + 2 * padding;
    }

    int paddedWidth() {
      return width + 2 * padding;
    }
  }
}
