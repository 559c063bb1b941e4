package org.sparkdpsgd.model;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jtransforms.fft.DoubleFFT_2D;

/**
 * The fixed filters of a 2-D wavelet scattering network (Mallat 2012; Bruna and Mallat 2013), in
 * the Fourier domain of an nh × nw periodic grid: Morlet wavelets ψ_{j,θ} at scales j = 0..J−1 and
 * L orientations θ = πl/L, and a Gaussian low-pass φ_J.
 *
 * <p>A Morlet wavelet is a Gabor function (a plane wave of frequency ξ_j = 3π/(4·2^j) in direction
 * θ under an elliptic Gaussian envelope of width σ_j = 0.8·2^j along θ and σ_j/s across it, slant s
 * = 4/L) minus a multiple of its envelope, so that it has zero mean: it answers to edges and
 * textures, not to brightness. φ_J is a Gaussian of width 0.8·2^(J−1). These are the usual
 * constants of scattering networks for images; they depend on nothing but the grid, which is why
 * the features cost no privacy. Filters are built in space, periodised over the grid and
 * transformed once; banks are shared (read-only) between threads.
 */
final class MorletFilterBank {
  private static final Map<String, MorletFilterBank> CACHE = new ConcurrentHashMap<>();

  final int nh;
  final int nw;
  final int scales;
  final int angles;

  /** ψ̂ for (j, l) at index j·angles + l: interleaved complex, row-major, length 2·nh·nw. */
  final double[][] psiHat;

  /** φ̂_J, interleaved complex. */
  final double[] phiHat;

  /**
   * φ_J in space is separable (an isotropic Gaussian, periodised along each axis): φ_J(y, x) =
   * phiRows[y]·phiCols[x], y and x grid indices.
   */
  final double[] phiRows;

  final double[] phiCols;

  private MorletFilterBank(int nh, int nw, int scales, int angles) {
    this.nh = nh;
    this.nw = nw;
    this.scales = scales;
    this.angles = angles;
    DoubleFFT_2D fft = new DoubleFFT_2D(nh, nw);
    psiHat = new double[scales * angles][];
    double slant = 4.0 / angles;
    for (int j = 0; j < scales; j++) {
      double sigma = 0.8 * Math.pow(2, j);
      double xi = 3 * Math.PI / 4 / Math.pow(2, j);
      for (int l = 0; l < angles; l++) {
        double theta = Math.PI * l / angles;
        double[] psi = morlet(sigma, theta, xi, slant);
        fft.complexForward(psi);
        psiHat[j * angles + l] = psi;
      }
    }
    double sigmaLow = 0.8 * Math.pow(2, scales - 1);
    phiRows = gaussian(sigmaLow, nh);
    phiCols = gaussian(sigmaLow, nw);
    phiHat = new double[2 * nh * nw];
    for (int y = 0; y < nh; y++) {
      for (int x = 0; x < nw; x++) {
        phiHat[2 * (y * nw + x)] = phiRows[y] * phiCols[x];
      }
    }
    fft.complexForward(phiHat);
  }

  static MorletFilterBank of(int nh, int nw, int scales, int angles) {
    return CACHE.computeIfAbsent(
        nh + "x" + nw + "/" + scales + "/" + angles,
        k -> new MorletFilterBank(nh, nw, scales, angles));
  }

  /** Gabor minus κ·envelope with κ chosen so that the filter sums to zero. */
  private double[] morlet(double sigma, double theta, double xi, double slant) {
    double[] wave = gabor(sigma, theta, xi, slant);
    double[] envelope = gabor(sigma, theta, 0, slant);
    double sumRe = 0;
    double sumIm = 0;
    double sumEnv = 0;
    for (int k = 0; k < nh * nw; k++) {
      sumRe += wave[2 * k];
      sumIm += wave[2 * k + 1];
      sumEnv += envelope[2 * k];
    }
    double kRe = sumRe / sumEnv;
    double kIm = sumIm / sumEnv;
    for (int k = 0; k < nh * nw; k++) {
      wave[2 * k] -= kRe * envelope[2 * k];
      wave[2 * k + 1] -= kIm * envelope[2 * k];
    }
    return wave;
  }

  /**
   * exp(−uᵀAu/2)·exp(i·ξ·(x cos θ + y sin θ)) / (2πσ²/s), A = R_θ diag(1, s²) R_θᵀ / σ², summed
   * over the grid's periods so that the periodic filter has no cut-off edge.
   */
  private double[] gabor(double sigma, double theta, double xi, double slant) {
    double c = Math.cos(theta);
    double s = Math.sin(theta);
    double norm = 2 * Math.PI * sigma * sigma / slant;
    double[] out = new double[2 * nh * nw];
    for (int py = -2; py <= 2; py++) {
      for (int px = -2; px <= 2; px++) {
        for (int y = 0; y < nh; y++) {
          for (int x = 0; x < nw; x++) {
            double uy = wrap(y, nh) + py * nh;
            double ux = wrap(x, nw) + px * nw;
            double along = ux * c + uy * s;
            double across = -ux * s + uy * c;
            double e =
                Math.exp(-(along * along + slant * slant * across * across) / (2 * sigma * sigma))
                    / norm;
            int k = 2 * (y * nw + x);
            out[k] += e * Math.cos(xi * along);
            out[k + 1] += e * Math.sin(xi * along);
          }
        }
      }
    }
    return out;
  }

  /**
   * The 1-D Gaussian of width σ (unit sum on the line), summed over the periods of an n-point grid
   * as {@link #gabor} does.
   */
  private static double[] gaussian(double sigma, int n) {
    double[] out = new double[n];
    for (int p = -2; p <= 2; p++) {
      for (int i = 0; i < n; i++) {
        double u = wrap(i, n) + p * n;
        out[i] += Math.exp(-u * u / (2 * sigma * sigma)) / (Math.sqrt(2 * Math.PI) * sigma);
      }
    }
    return out;
  }

  /** Grid index → signed offset in [−n/2, n/2). */
  private static int wrap(int i, int n) {
    return i < (n + 1) / 2 ? i : i - n;
  }
}
