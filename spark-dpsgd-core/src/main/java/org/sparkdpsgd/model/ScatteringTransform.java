package org.sparkdpsgd.model;

import org.jtransforms.fft.DoubleFFT_2D;

/**
 * The scattering transform of one image channel up to order 2 (Bruna and Mallat 2013, as used for
 * DP learning by Tramèr and Boneh 2021):
 *
 * <pre>
 *   S0 = x ⋆ φ_J
 *   S1[j1,θ1] = |x ⋆ ψ_{j1,θ1}| ⋆ φ_J
 *   S2[j1,θ1,j2,θ2] = ||x ⋆ ψ_{j1,θ1}| ⋆ ψ_{j2,θ2}| ⋆ φ_J      (j2 > j1)
 * </pre>
 *
 * each sampled every 2^J pixels: 1 + J·L + L²·J(J−1)/2 maps of (H/2^J) × (W/2^J) (81 maps of 7 × 7
 * for a 28 × 28 image with J = 2, L = 8). Convolutions with wavelets are products in the Fourier
 * domain (JTransforms) of the image reflect-padded by 3·2^(J−1) pixels (so the periodic convolution
 * does not wrap one edge onto the other). The low-pass is computed in space, and only at the output
 * samples: φ_J is separable, so that costs two small matrix products per map, and the order-2
 * moduli (four maps in five) need no forward FFT at all. Output samples sit at pixels i·2^J +
 * 2^(J−1) (half a pixel from the centres of the 2^J × 2^J cells). Not thread-safe (scratch
 * buffers); one instance per thread.
 */
final class ScatteringTransform {
  private final int height;
  private final int width;
  private final int scales;
  private final int angles;
  private final int pad;
  private final int sub;
  private final int nh;
  private final int nw;
  private final DoubleFFT_2D fft;

  /** ψ̂ for (j, l) at index j·angles + l, interleaved (re, im) as JTransforms lays spectra out. */
  private final double[][] psiHat;

  /**
   * The low-pass at the output samples: φ_J(y_i − v, ·) at [i·nh + v] and φ_J(·, x_j − u) at [j·nw
   * + u] (row and column factors of the separable φ_J, y_i and x_j the padded grid's sample rows
   * and columns, differences taken modulo the grid).
   */
  private final double[] lowRows;

  private final double[] lowCols;

  /** Spectra and complex grids, interleaved (re, im). */
  private final double[] xHat;

  private final double[] u1Hat;
  private final double[] z;

  /** Real grids [y][x]. */
  private final double[] real;

  private final double[] rowsDone;

  ScatteringTransform(int height, int width, int scales, int angles) {
    this.height = height;
    this.width = width;
    this.scales = scales;
    this.angles = angles;
    this.sub = 1 << scales;
    this.pad = padding(scales);
    this.nh = height + 2 * pad;
    this.nw = width + 2 * pad;
    MorletFilterBank bank = MorletFilterBank.of(nh, nw, scales, angles);
    this.fft = new DoubleFFT_2D(nh, nw);
    int n = nh * nw;
    this.psiHat = bank.psiHat;
    this.lowRows = samplingWeights(bank.phiRows, outHeight());
    this.lowCols = samplingWeights(bank.phiCols, outWidth());
    this.xHat = new double[2 * n];
    this.u1Hat = new double[2 * n];
    this.z = new double[2 * n];
    this.real = new double[n];
    this.rowsDone = new double[outHeight() * nw];
  }

  /**
   * Reflect padding on each side: 1.5 cells (an odd multiple of half a cell, so samples fall on the
   * coarse grid).
   */
  static int padding(int scales) {
    return 3 << (scales - 1);
  }

  static int mapsPerChannel(int scales, int angles) {
    return 1 + scales * angles + angles * angles * scales * (scales - 1) / 2;
  }

  int scales() {
    return scales;
  }

  int angles() {
    return angles;
  }

  int outHeight() {
    return height / sub;
  }

  int outWidth() {
    return width / sub;
  }

  /**
   * Transforms the height × width channel at {@code in[inOff..]} (row-major) into {@link
   * #mapsPerChannel} maps written at {@code out[outOff..]} (map-major, then row-major).
   */
  void transform(float[] in, int inOff, float[] out, int outOff) {
    padReflect(in, inOff, real);
    int mapSize = outHeight() * outWidth();
    lowPass(real, out, outOff);
    spectrumOfReal(real, xHat);
    int first = 1;
    int second = 1 + scales * angles;
    for (int j1 = 0; j1 < scales; j1++) {
      for (int l1 = 0; l1 < angles; l1++) {
        int f1 = j1 * angles + l1;
        modulusOfFiltered(xHat, psiHat[f1], real);
        lowPass(real, out, outOff + mapSize * first++);
        if (j1 == scales - 1) {
          continue;
        }
        spectrumOfReal(real, u1Hat);
        for (int j2 = j1 + 1; j2 < scales; j2++) {
          for (int l2 = 0; l2 < angles; l2++) {
            int f2 = j2 * angles + l2;
            modulusOfFiltered(u1Hat, psiHat[f2], real);
            lowPass(real, out, outOff + mapSize * second++);
          }
        }
      }
    }
  }

  /** dst = |IFFT(spectrum · filter)|, a real grid [y][x]. */
  private void modulusOfFiltered(double[] spectrum, double[] filter, double[] dst) {
    for (int k = 0; k < spectrum.length; k += 2) {
      double a = spectrum[k];
      double b = spectrum[k + 1];
      double c = filter[k];
      double d = filter[k + 1];
      z[k] = a * c - b * d;
      z[k + 1] = a * d + b * c;
    }
    fft.complexInverse(z, true);
    // Not Math.hypot: its overflow guard costs more than the rest of this loop, and |z| is O(1).
    for (int k = 0; k < dst.length; k++) {
      double re = z[2 * k];
      double im = z[2 * k + 1];
      dst[k] = Math.sqrt(re * re + im * im);
    }
  }

  /** The full (interleaved) spectrum of a real grid: JTransforms' real FFT, about half the work. */
  private void spectrumOfReal(double[] grid, double[] spectrum) {
    System.arraycopy(grid, 0, spectrum, 0, grid.length);
    java.util.Arrays.fill(spectrum, grid.length, spectrum.length, 0);
    fft.realForwardFull(spectrum);
  }

  /**
   * (signal ⋆ φ_J) at the output samples, signal a real grid [y][x]: the periodic convolution
   * evaluated only there, first along y (for every column), then along x.
   */
  private void lowPass(double[] signal, float[] out, int outOff) {
    int oh = outHeight();
    int ow = outWidth();
    java.util.Arrays.fill(rowsDone, 0);
    for (int i = 0; i < oh; i++) {
      int t = i * nw;
      for (int v = 0; v < nh; v++) {
        double weight = lowRows[i * nh + v];
        int s = v * nw;
        for (int u = 0; u < nw; u++) {
          rowsDone[t + u] += weight * signal[s + u];
        }
      }
    }
    int o = outOff;
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        double sum = 0;
        for (int u = 0; u < nw; u++) {
          sum += lowCols[j * nw + u] * rowsDone[i * nw + u];
        }
        out[o++] = (float) sum;
      }
    }
  }

  /**
   * A factor of φ_J (length n) → its weights at the count output samples: [i·n + v] = factor[(c_i −
   * v) mod n], c_i = pad + 2^(J−1) + i·2^J.
   */
  private double[] samplingWeights(double[] factor, int count) {
    int n = factor.length;
    double[] out = new double[count * n];
    for (int i = 0; i < count; i++) {
      int centre = pad + sub / 2 + i * sub;
      for (int v = 0; v < n; v++) {
        out[i * n + v] = factor[Math.floorMod(centre - v, n)];
      }
    }
    return out;
  }

  /** The channel, mirrored at its edges (without repeating the edge pixel), as a real grid. */
  private void padReflect(float[] in, int inOff, double[] dst) {
    for (int y = 0; y < nh; y++) {
      int sy = reflect(y - pad, height);
      for (int x = 0; x < nw; x++) {
        int sx = reflect(x - pad, width);
        dst[y * nw + x] = in[inOff + sy * width + sx];
      }
    }
  }

  private static int reflect(int i, int n) {
    if (i < 0) {
      return -i;
    }
    return i >= n ? 2 * (n - 1) - i : i;
  }
}
