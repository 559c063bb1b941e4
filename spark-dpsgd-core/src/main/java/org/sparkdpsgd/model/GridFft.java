package org.sparkdpsgd.model;

/**
 * Complex 2-D FFT of a rows × cols grid held as separate real and imaginary arrays, written for the
 * scattering transform's many small transforms (a general-purpose FFT spends most of its time there
 * on per-row bookkeeping and column copies).
 *
 * <p>Each 1-D stage transforms along the first axis for all columns at once, so that every inner
 * loop runs over whole contiguous rows, which the JIT compiles to SIMD code; the second axis is
 * transformed the same way after a transpose. The forward transform therefore leaves the spectrum
 * transposed (cols × rows, the x frequency major) and the inverse expects it so: the scattering
 * transform only multiplies spectra pointwise, and its filters are reordered once ({@link
 * #toSpectrumLayout}). The 1-D transforms are mixed-radix Stockham (self-sorting), with radices 4,
 * 2 and 5 written out and a plain DFT for any other prime factor. Not thread-safe (scratch
 * buffers).
 */
final class GridFft {
  final int rows;
  final int cols;
  private final AxisFft alongRows;
  private final AxisFft alongCols;
  private final double[] scratchRe;
  private final double[] scratchIm;

  GridFft(int rows, int cols) {
    this.rows = rows;
    this.cols = cols;
    this.alongRows = new AxisFft(rows, cols);
    this.alongCols = new AxisFft(cols, rows);
    this.scratchRe = new double[rows * cols];
    this.scratchIm = new double[rows * cols];
  }

  /** Grid [y][x] in (re, im) → its spectrum [k_x][k_y], in place. */
  void forward(double[] re, double[] im) {
    alongRows.transform(re, im, scratchRe, scratchIm, -1);
    transpose(re, scratchRe, rows, cols);
    transpose(im, scratchIm, rows, cols);
    alongCols.transform(re, im, scratchRe, scratchIm, -1);
    System.arraycopy(scratchRe, 0, re, 0, re.length);
    System.arraycopy(scratchIm, 0, im, 0, im.length);
  }

  /** Spectrum [k_x][k_y] in (re, im) → grid [y][x], divided by rows·cols, in place. */
  void inverse(double[] re, double[] im) {
    alongCols.transform(re, im, scratchRe, scratchIm, +1);
    transpose(re, scratchRe, cols, rows);
    transpose(im, scratchIm, cols, rows);
    alongRows.transform(re, im, scratchRe, scratchIm, +1);
    double scale = 1.0 / (rows * cols);
    for (int k = 0; k < re.length; k++) {
      re[k] = scratchRe[k] * scale;
      im[k] = scratchIm[k] * scale;
    }
  }

  /**
   * An interleaved, row-major spectrum (as JTransforms and {@link MorletFilterBank} store it) →
   * this class's split, transposed layout.
   */
  void toSpectrumLayout(double[] interleaved, double[] re, double[] im) {
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < cols; x++) {
        re[x * rows + y] = interleaved[2 * (y * cols + x)];
        im[x * rows + y] = interleaved[2 * (y * cols + x) + 1];
      }
    }
  }

  /** src (r × c, row-major) → dst (c × r). */
  private static void transpose(double[] dst, double[] src, int r, int c) {
    for (int y = 0; y < r; y++) {
      for (int x = 0; x < c; x++) {
        dst[x * r + y] = src[y * c + x];
      }
    }
  }

  /**
   * FFTs of length n along the first axis of an n × width array, all columns at once.
   *
   * <p>Stage s (radix r, sub-transform length len, stride = product of the earlier radices) splits
   * each length-len transform into r of length len/r by decimation in frequency: element p + t·m (m
   * = len/r, t < r) of a sub-transform feeds output r·p + u as its r-point DFT times the twiddle
   * w_len^(p·u). Written with the stride, one (p, t) pair addresses a contiguous block of
   * stride·width values, which is the inner loop.
   */
  private static final class AxisFft {
    private final int n;
    private final int width;
    private final int[] radices;

    /** Per stage, cos and sin of 2π·p·u/len at index p·r + u (sign applied at use). */
    private final double[][] twCos;

    private final double[][] twSin;

    AxisFft(int n, int width) {
      this.n = n;
      this.width = width;
      this.radices = factor(n);
      this.twCos = new double[radices.length][];
      this.twSin = new double[radices.length][];
      int len = n;
      for (int s = 0; s < radices.length; s++) {
        int r = radices[s];
        int m = len / r;
        twCos[s] = new double[m * r];
        twSin[s] = new double[m * r];
        for (int p = 0; p < m; p++) {
          for (int u = 0; u < r; u++) {
            double angle = 2 * Math.PI * p * u / len;
            twCos[s][p * r + u] = Math.cos(angle);
            twSin[s][p * r + u] = Math.sin(angle);
          }
        }
        len = m;
      }
    }

    /** Radices 4 first (fewest stages), then 2, then odd primes. */
    private static int[] factor(int n) {
      java.util.List<Integer> out = new java.util.ArrayList<>();
      int rest = n;
      while (rest % 4 == 0) {
        out.add(4);
        rest /= 4;
      }
      if (rest % 2 == 0) {
        out.add(2);
        rest /= 2;
      }
      for (int p = 3; rest > 1; p += 2) {
        while (rest % p == 0) {
          out.add(p);
          rest /= p;
        }
      }
      return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Transforms (re, im) with exp(sign·2πi·jk/n), unnormalised, using (bufRe, bufIm) as the other
     * half of the ping-pong; the result lands in (bufRe, bufIm), and (re, im) is clobbered.
     */
    void transform(double[] re, double[] im, double[] bufRe, double[] bufIm, int sign) {
      double[] xr = re;
      double[] xi = im;
      double[] yr = bufRe;
      double[] yi = bufIm;
      int len = n;
      int stride = 1;
      for (int s = 0; s < radices.length; s++) {
        int r = radices[s];
        stage(s, r, len, stride * width, xr, xi, yr, yi, sign);
        len /= r;
        stride *= r;
        double[] t = xr;
        xr = yr;
        yr = t;
        t = xi;
        xi = yi;
        yi = t;
      }
      if (xr != bufRe) {
        System.arraycopy(xr, 0, bufRe, 0, n * width);
        System.arraycopy(xi, 0, bufIm, 0, n * width);
      }
    }

    private void stage(
        int s,
        int r,
        int len,
        int block,
        double[] xr,
        double[] xi,
        double[] yr,
        double[] yi,
        int sign) {
      int m = len / r;
      for (int p = 0; p < m; p++) {
        int in = p * block;
        int out = r * p * block;
        int inStep = m * block;
        switch (r) {
          case 2 -> radix2(xr, xi, yr, yi, in, inStep, out, block);
          case 4 -> radix4(xr, xi, yr, yi, in, inStep, out, block, sign);
          case 5 -> radix5(xr, xi, yr, yi, in, inStep, out, block, sign);
          default -> radixAny(r, xr, xi, yr, yi, in, inStep, out, block, sign);
        }
        for (int u = 1; u < r; u++) {
          twiddle(yr, yi, out + u * block, block, twCos[s][p * r + u], sign * twSin[s][p * r + u]);
        }
      }
    }

    private static void twiddle(double[] yr, double[] yi, int off, int block, double c, double d) {
      if (c == 1) {
        return;
      }
      for (int q = off; q < off + block; q++) {
        double a = yr[q];
        double b = yi[q];
        yr[q] = a * c - b * d;
        yi[q] = a * d + b * c;
      }
    }

    private static void radix2(
        double[] xr, double[] xi, double[] yr, double[] yi, int in, int step, int out, int block) {
      int i1 = in + step;
      int o1 = out + block;
      for (int q = 0; q < block; q++) {
        double ar = xr[in + q];
        double ai = xi[in + q];
        double br = xr[i1 + q];
        double bi = xi[i1 + q];
        yr[out + q] = ar + br;
        yi[out + q] = ai + bi;
        yr[o1 + q] = ar - br;
        yi[o1 + q] = ai - bi;
      }
    }

    /** ω_4 = sign·i, so the odd outputs need a rotation by ±90°, not a multiplication. */
    private static void radix4(
        double[] xr,
        double[] xi,
        double[] yr,
        double[] yi,
        int in,
        int step,
        int out,
        int block,
        int sign) {
      int i1 = in + step;
      int i2 = i1 + step;
      int i3 = i2 + step;
      int o1 = out + block;
      int o2 = o1 + block;
      int o3 = o2 + block;
      for (int q = 0; q < block; q++) {
        double t0r = xr[in + q] + xr[i2 + q];
        double t0i = xi[in + q] + xi[i2 + q];
        double t1r = xr[in + q] - xr[i2 + q];
        double t1i = xi[in + q] - xi[i2 + q];
        double t2r = xr[i1 + q] + xr[i3 + q];
        double t2i = xi[i1 + q] + xi[i3 + q];
        // sign·i·(x1 − x3)
        double t3r = -sign * (xi[i1 + q] - xi[i3 + q]);
        double t3i = sign * (xr[i1 + q] - xr[i3 + q]);
        yr[out + q] = t0r + t2r;
        yi[out + q] = t0i + t2i;
        yr[o2 + q] = t0r - t2r;
        yi[o2 + q] = t0i - t2i;
        yr[o1 + q] = t1r + t3r;
        yi[o1 + q] = t1i + t3i;
        yr[o3 + q] = t1r - t3r;
        yi[o3 + q] = t1i - t3i;
      }
    }

    private static final double C1 = Math.cos(2 * Math.PI / 5);
    private static final double C2 = Math.cos(4 * Math.PI / 5);
    private static final double S1 = Math.sin(2 * Math.PI / 5);
    private static final double S2 = Math.sin(4 * Math.PI / 5);

    /**
     * Pairs inputs t and 5 − t: outputs u and 5 − u share the cosine part and differ in the sign of
     * the sine part.
     */
    private static void radix5(
        double[] xr,
        double[] xi,
        double[] yr,
        double[] yi,
        int in,
        int step,
        int out,
        int block,
        int sign) {
      int i1 = in + step;
      int i2 = i1 + step;
      int i3 = i2 + step;
      int i4 = i3 + step;
      int o1 = out + block;
      int o2 = o1 + block;
      int o3 = o2 + block;
      int o4 = o3 + block;
      double s1 = sign * S1;
      double s2 = sign * S2;
      for (int q = 0; q < block; q++) {
        double ar = xr[in + q];
        double ai = xi[in + q];
        double p1r = xr[i1 + q] + xr[i4 + q];
        double p1i = xi[i1 + q] + xi[i4 + q];
        double m1r = xr[i1 + q] - xr[i4 + q];
        double m1i = xi[i1 + q] - xi[i4 + q];
        double p2r = xr[i2 + q] + xr[i3 + q];
        double p2i = xi[i2 + q] + xi[i3 + q];
        double m2r = xr[i2 + q] - xr[i3 + q];
        double m2i = xi[i2 + q] - xi[i3 + q];
        double c1r = ar + C1 * p1r + C2 * p2r;
        double c1i = ai + C1 * p1i + C2 * p2i;
        double c2r = ar + C2 * p1r + C1 * p2r;
        double c2i = ai + C2 * p1i + C1 * p2i;
        // i·(sine part): (re, im) → (−im, re)
        double d1r = -(s1 * m1i + s2 * m2i);
        double d1i = s1 * m1r + s2 * m2r;
        double d2r = -(s2 * m1i - s1 * m2i);
        double d2i = s2 * m1r - s1 * m2r;
        yr[out + q] = ar + p1r + p2r;
        yi[out + q] = ai + p1i + p2i;
        yr[o1 + q] = c1r + d1r;
        yi[o1 + q] = c1i + d1i;
        yr[o4 + q] = c1r - d1r;
        yi[o4 + q] = c1i - d1i;
        yr[o2 + q] = c2r + d2r;
        yi[o2 + q] = c2i + d2i;
        yr[o3 + q] = c2r - d2r;
        yi[o3 + q] = c2i - d2i;
      }
    }

    /**
     * Any radix, as a plain r-point DFT (only small test grids need radices other than 2, 4, 5).
     */
    private static void radixAny(
        int r,
        double[] xr,
        double[] xi,
        double[] yr,
        double[] yi,
        int in,
        int step,
        int out,
        int block,
        int sign) {
      for (int u = 0; u < r; u++) {
        int o = out + u * block;
        java.util.Arrays.fill(yr, o, o + block, 0);
        java.util.Arrays.fill(yi, o, o + block, 0);
        for (int t = 0; t < r; t++) {
          double angle = 2 * Math.PI * ((t * u) % r) / r;
          double c = Math.cos(angle);
          double d = sign * Math.sin(angle);
          int i = in + t * step;
          for (int q = 0; q < block; q++) {
            yr[o + q] += xr[i + q] * c - xi[i + q] * d;
            yi[o + q] += xr[i + q] * d + xi[i + q] * c;
          }
        }
      }
    }
  }
}
