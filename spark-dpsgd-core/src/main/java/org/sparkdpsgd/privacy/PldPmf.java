package org.sparkdpsgd.privacy;

import java.util.Arrays;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * A discretised privacy loss distribution: probability {@code probs[j]} at loss (offset + j)·h,
 * plus {@code infinityMass} at +∞. Composition multiplies characteristic functions by FFT.
 */
final class PldPmf {
  /** Tail mass dropped on each side when composing (counted pessimistically at +∞). */
  static final double TAIL_TRUNCATION = 1e-15;

  final double h;
  final long offset;
  final double[] probs;
  final double infinityMass;

  PldPmf(double h, long offset, double[] probs, double infinityMass) {
    this.h = h;
    this.offset = offset;
    this.probs = probs;
    this.infinityMass = infinityMass;
  }

  static PldPmf identity(double h) {
    return new PldPmf(h, 0, new double[] {1.0}, 0.0);
  }

  /**
   * "Connect the dots" discretisation (Doroshenko, Ghazi, Kamath, Kumar, Manurangsi 2022): the
   * piecewise-linear interpolation, in e^ε, of the true privacy profile at the grid points ε_k =
   * k·h is itself the profile of a PMF on the grid; by convexity it lies above the true profile
   * (pessimistic), and it is exact at every grid point.
   */
  static PldPmf connectTheDots(SubsampledGaussianProfile profile, double h) {
    double[] range = profile.lossRange();
    long kLow = (long) Math.floor(range[0] / h);
    long kHigh = (long) Math.ceil(range[1] / h);
    int n = Math.toIntExact(kHigh - kLow + 1);
    double[] delta = new double[n];
    for (int i = 0; i < n; i++) {
      delta[i] = profile.delta((kLow + i) * h);
    }
    double[] probs = new double[n];
    double infinity = delta[n - 1];
    // slope[i]: dδ/d(e^ε) between grid points i and i+1; slope right of the last point is 0.
    double nextSlope = 0;
    double total = infinity;
    for (int i = n - 2; i >= 0; i--) {
      double eps = (kLow + i) * h;
      double slope = (delta[i + 1] - delta[i]) / (Math.exp(eps) * Math.expm1(h));
      // mass at point i+1 = e^{ε_{i+1}} (slope right of it − slope left of it)
      double mass = Math.exp(eps + h) * (nextSlope - slope);
      probs[i + 1] = Math.max(0, mass);
      total += probs[i + 1];
      nextSlope = slope;
    }
    probs[0] = Math.max(0, 1 - total);
    return new PldPmf(h, kLow, probs, infinity);
  }

  /** The T-fold composition, on a window chosen by Chernoff bounds so that each tail is ≤ 1e-15. */
  PldPmf selfCompose(int count) {
    if (count == 0) {
      return identity(h);
    }
    if (count == 1) {
      return this;
    }
    long[] window = chernoffWindow(count);
    long lo = window[0];
    long hi = window[1];
    int n = Integer.highestOneBit(Math.toIntExact(hi - lo + 1) - 1) << 1;
    double[] data = new double[2 * n];
    for (int j = 0; j < probs.length; j++) {
      int pos = (int) Math.floorMod(offset + j - offset, (long) n);
      data[2 * pos] += probs[j];
    }
    DoubleFFT_1D fft = new DoubleFFT_1D(n);
    fft.complexForward(data);
    for (int k = 0; k < n; k++) {
      double re = data[2 * k];
      double im = data[2 * k + 1];
      double r = Math.hypot(re, im);
      if (r == 0) {
        continue;
      }
      double magnitude = Math.exp(count * Math.log(r));
      double angle = count * Math.atan2(im, re);
      data[2 * k] = magnitude * Math.cos(angle);
      data[2 * k + 1] = magnitude * Math.sin(angle);
    }
    fft.complexInverse(data, true);
    // Position p holds composed bin K with K ≡ p + count·offset (mod n); read the window [lo, hi].
    double[] out = new double[Math.toIntExact(hi - lo + 1)];
    long shift = count * offset;
    for (int j = 0; j < out.length; j++) {
      int pos = (int) Math.floorMod(lo + j - shift, (long) n);
      out[j] = Math.max(0, data[2 * pos]);
    }
    double finite = Math.pow(1 - infinityMass, count);
    double inf = Math.min(1, 1 - finite + 2 * TAIL_TRUNCATION);
    return new PldPmf(h, lo, out, inf);
  }

  /** Composition with another PMF on the same grid (linear convolution by FFT). */
  PldPmf compose(PldPmf other) {
    int n = Integer.highestOneBit(probs.length + other.probs.length - 1) << 1;
    double[] a = new double[2 * n];
    double[] b = new double[2 * n];
    for (int j = 0; j < probs.length; j++) {
      a[2 * j] = probs[j];
    }
    for (int j = 0; j < other.probs.length; j++) {
      b[2 * j] = other.probs[j];
    }
    DoubleFFT_1D fft = new DoubleFFT_1D(n);
    fft.complexForward(a);
    fft.complexForward(b);
    for (int k = 0; k < n; k++) {
      double re = a[2 * k] * b[2 * k] - a[2 * k + 1] * b[2 * k + 1];
      double im = a[2 * k] * b[2 * k + 1] + a[2 * k + 1] * b[2 * k];
      a[2 * k] = re;
      a[2 * k + 1] = im;
    }
    fft.complexInverse(a, true);
    double[] out = new double[probs.length + other.probs.length - 1];
    for (int j = 0; j < out.length; j++) {
      out[j] = Math.max(0, a[2 * j]);
    }
    double inf = 1 - (1 - infinityMass) * (1 - other.infinityMass);
    return new PldPmf(h, offset + other.offset, out, inf);
  }

  /**
   * Bins [lo, hi] outside which the T-fold sum has probability ≤ TAIL_TRUNCATION on each side: P[S
   * ≥ u] ≤ exp(T·log E[e^{λL}] − λu), minimised over a grid of λ.
   */
  private long[] chernoffWindow(int count) {
    double logTail = Math.log(TAIL_TRUNCATION);
    double bestHi = Double.POSITIVE_INFINITY;
    double bestLo = Double.NEGATIVE_INFINITY;
    for (double lambda = 1e-7; lambda < 50; lambda *= 1.25) {
      double up = (count * logMgf(lambda) - logTail) / lambda;
      bestHi = Math.min(bestHi, up);
      double down = (count * logMgf(-lambda) - logTail) / -lambda;
      bestLo = Math.max(bestLo, down);
    }
    long maxBin = (offset + probs.length - 1) * (long) count;
    long minBin = offset * (long) count;
    long hi = Math.min(maxBin, (long) Math.ceil(bestHi));
    long lo = Math.max(minBin, (long) Math.floor(bestLo));
    return new long[] {lo, hi};
  }

  /** log E[e^{λ·bin}] over the finite part (bins relative to 0), by log-sum-exp. */
  private double logMgf(double lambda) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < probs.length; j++) {
      if (probs[j] > 0) {
        max = Math.max(max, lambda * (offset + j));
      }
    }
    double sum = 0;
    for (int j = 0; j < probs.length; j++) {
      if (probs[j] > 0) {
        sum += probs[j] * Math.exp(lambda * (offset + j) - max);
      }
    }
    return max + Math.log(sum);
  }

  /** The smallest ε with δ(ε) ≤ delta, exactly for this discrete distribution. */
  double epsilonForDelta(double delta) {
    if (infinityMass >= delta) {
      return Double.POSITIVE_INFINITY;
    }
    double massAbove = 0;
    double weightedAbove = 0; // Σ p_j e^{-ℓ_j} over the active losses
    for (int j = probs.length - 1; j >= 0; j--) {
      if (probs[j] == 0) {
        continue;
      }
      double loss = (offset + j) * h;
      massAbove += probs[j];
      weightedAbove += probs[j] * Math.exp(-loss);
      double numerator = infinityMass + massAbove - delta;
      if (numerator <= 0) {
        continue;
      }
      double eps = Math.log(numerator / weightedAbove);
      double lowerLoss = previousLoss(j);
      if (eps >= lowerLoss) {
        return Math.max(0, Math.min(eps, loss));
      }
    }
    return 0;
  }

  private double previousLoss(int j) {
    for (int i = j - 1; i >= 0; i--) {
      if (probs[i] > 0) {
        return (offset + i) * h;
      }
    }
    return Double.NEGATIVE_INFINITY;
  }

  /** δ(ε) = p_∞ + Σ_{ℓ > ε} p(ℓ)(1 − e^{ε − ℓ}). */
  double deltaForEpsilon(double epsilon) {
    double d = infinityMass;
    for (int j = 0; j < probs.length; j++) {
      double loss = (offset + j) * h;
      if (loss > epsilon) {
        d -= probs[j] * Math.expm1(epsilon - loss);
      }
    }
    return Math.min(1, d);
  }

  @Override
  public String toString() {
    return "PldPmf(h="
        + h
        + ", bins "
        + offset
        + ".."
        + (offset + probs.length - 1)
        + ", ∞ mass "
        + infinityMass
        + ", total "
        + (Arrays.stream(probs).sum() + infinityMass)
        + ")";
  }
}
