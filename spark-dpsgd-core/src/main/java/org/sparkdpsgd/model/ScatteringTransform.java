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
 * for a 28 × 28 image with J = 2, L = 8). Convolutions are products in the Fourier domain of the
 * image reflect-padded by 3·2^(J−1) pixels (so the periodic convolution does not wrap one edge onto
 * the other); the low-pass and the subsampling are one step, by folding the spectrum onto the
 * coarse grid. Output samples sit at pixels i·2^J + 2^(J−1) (half a pixel from the centres of the
 * 2^J × 2^J cells). Not thread-safe (scratch buffers); one instance per thread.
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
  private final MorletFilterBank bank;
  private final DoubleFFT_2D full;
  private final DoubleFFT_2D coarse;
  private final double[] xHat;
  private final double[] u1Hat;
  private final double[] work;
  private final double[] folded;

  ScatteringTransform(int height, int width, int scales, int angles) {
    this.height = height;
    this.width = width;
    this.scales = scales;
    this.angles = angles;
    this.sub = 1 << scales;
    this.pad = padding(scales);
    this.nh = height + 2 * pad;
    this.nw = width + 2 * pad;
    this.bank = MorletFilterBank.of(nh, nw, scales, angles);
    this.full = new DoubleFFT_2D(nh, nw);
    this.coarse = new DoubleFFT_2D(nh / sub, nw / sub);
    this.xHat = new double[2 * nh * nw];
    this.u1Hat = new double[2 * nh * nw];
    this.work = new double[2 * nh * nw];
    this.folded = new double[2 * (nh / sub) * (nw / sub)];
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
    padReflect(in, inOff, work);
    full.complexForward(work);
    System.arraycopy(work, 0, xHat, 0, work.length);
    int mapSize = outHeight() * outWidth();
    lowPass(xHat, out, outOff);
    int first = 1;
    int second = 1 + scales * angles;
    for (int j1 = 0; j1 < scales; j1++) {
      for (int l1 = 0; l1 < angles; l1++) {
        modulusOfFiltered(xHat, bank.psiHat[j1 * angles + l1], work);
        lowPass(work, out, outOff + mapSize * first++);
        if (j1 == scales - 1) {
          continue;
        }
        System.arraycopy(work, 0, u1Hat, 0, work.length);
        for (int j2 = j1 + 1; j2 < scales; j2++) {
          for (int l2 = 0; l2 < angles; l2++) {
            modulusOfFiltered(u1Hat, bank.psiHat[j2 * angles + l2], work);
            lowPass(work, out, outOff + mapSize * second++);
          }
        }
      }
    }
  }

  /** dst = FFT(|IFFT(spectrum · filter)|). */
  private void modulusOfFiltered(double[] spectrum, double[] filter, double[] dst) {
    for (int k = 0; k < spectrum.length; k += 2) {
      double a = spectrum[k];
      double b = spectrum[k + 1];
      double c = filter[k];
      double d = filter[k + 1];
      dst[k] = a * c - b * d;
      dst[k + 1] = a * d + b * c;
    }
    full.complexInverse(dst, true);
    for (int k = 0; k < dst.length; k += 2) {
      dst[k] = Math.hypot(dst[k], dst[k + 1]);
      dst[k + 1] = 0;
    }
    full.complexForward(dst);
  }

  /**
   * (signal ⋆ φ_J) sampled every 2^J pixels: the spectrum times φ̂ folded onto the coarse grid
   * (subsampling by 2^J aliases the frequencies k + r·n/2^J onto k), one small inverse FFT, and the
   * samples inside the image.
   */
  private void lowPass(double[] spectrum, float[] out, int outOff) {
    int mh = nh / sub;
    int mw = nw / sub;
    java.util.Arrays.fill(folded, 0);
    double[] phi = bank.phiHat;
    for (int y = 0; y < nh; y++) {
      int fy = y % mh;
      for (int x = 0; x < nw; x++) {
        int k = 2 * (y * nw + x);
        int f = 2 * (fy * mw + x % mw);
        // φ̂ is real up to rounding (φ is an even Gaussian)
        folded[f] += spectrum[k] * phi[k] - spectrum[k + 1] * phi[k + 1];
        folded[f + 1] += spectrum[k] * phi[k + 1] + spectrum[k + 1] * phi[k];
      }
    }
    coarse.complexInverse(folded, true);
    double scale = 1.0 / (sub * sub);
    int first = (pad + sub / 2) / sub;
    int o = outOff;
    for (int i = 0; i < outHeight(); i++) {
      for (int j = 0; j < outWidth(); j++) {
        out[o++] = (float) (folded[2 * ((first + i) * mw + first + j)] * scale);
      }
    }
  }

  /** The channel, mirrored at its edges (without repeating the edge pixel), as a complex array. */
  private void padReflect(float[] in, int inOff, double[] dst) {
    for (int y = 0; y < nh; y++) {
      int sy = reflect(y - pad, height);
      for (int x = 0; x < nw; x++) {
        int sx = reflect(x - pad, width);
        int k = 2 * (y * nw + x);
        dst[k] = in[inOff + sy * width + sx];
        dst[k + 1] = 0;
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
