package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The scattering transform against a direct computation in space (periodic convolutions summed
 * pixel by pixel, no FFT), and its defining properties: zero-mean wavelets (a constant image has
 * no order-1/2 energy) and covariance with translations by whole cells.
 */
class ScatteringTransformTest {
  private static final int H = 16;
  private static final int W = 12;
  private static final int J = 2;
  private static final int L = 4;

  @Test
  void matchesDirectConvolutionInSpace() {
    float[] img = randomImage(new SplittableRandom(3));
    ScatteringTransform t = new ScatteringTransform(H, W, J, L);
    int maps = ScatteringTransform.mapsPerChannel(J, L);
    assertEquals(1 + 8 + 16, maps);
    float[] out = new float[maps * t.outHeight() * t.outWidth()];
    t.transform(img, 0, out, 0);

    DirectScattering ref = new DirectScattering(img);
    int cell = t.outHeight() * t.outWidth();
    double worst = 0;
    double scale = 0;
    for (int k = 0; k < maps; k++) {
      double[] expected = ref.map(k);
      for (int p = 0; p < cell; p++) {
        worst = Math.max(worst, Math.abs(expected[p] - out[k * cell + p]));
        scale = Math.max(scale, Math.abs(expected[p]));
      }
    }
    assertTrue(worst <= 1e-5 * scale, "largest difference " + worst + " (largest value " + scale + ")");
  }

  @Test
  void waveletsHaveZeroMeanSoAConstantImageHasOnlyOrderZero() {
    float[] img = new float[H * W];
    java.util.Arrays.fill(img, 0.7f);
    ScatteringTransform t = new ScatteringTransform(H, W, J, L);
    int cell = t.outHeight() * t.outWidth();
    float[] out = new float[ScatteringTransform.mapsPerChannel(J, L) * cell];
    t.transform(img, 0, out, 0);
    for (int p = 0; p < cell; p++) {
      assertEquals(0.7, out[p], 1e-4, "S0 of a constant image is the constant (φ sums to 1)");
    }
    for (int k = cell; k < out.length; k++) {
      assertEquals(0.0, out[k], 1e-5, "order 1 and 2 of a constant image");
    }
  }

  @Test
  void shiftingTheImageByOneCellShiftsEveryMap() {
    int h = 28;
    int w = 28;
    float[] img = new float[h * w];
    float[] shifted = new float[h * w];
    SplittableRandom rng = new SplittableRandom(5);
    // Content well inside a zero background, so that the reflect padding stays zero.
    for (int y = 8; y < 16; y++) {
      for (int x = 8; x < 16; x++) {
        float v = (float) rng.nextDouble();
        img[y * w + x] = v;
        shifted[(y + 4) * w + x + 4] = v;
      }
    }
    ScatteringTransform t = new ScatteringTransform(h, w, 2, 8);
    int oh = t.outHeight();
    int ow = t.outWidth();
    int maps = ScatteringTransform.mapsPerChannel(2, 8);
    assertEquals(81, maps);
    float[] a = new float[maps * oh * ow];
    float[] b = new float[maps * oh * ow];
    t.transform(img, 0, a, 0);
    t.transform(shifted, 0, b, 0);
    double energy = 0;
    for (int k = 0; k < maps; k++) {
      for (int i = 0; i < oh - 1; i++) {
        for (int j = 0; j < ow - 1; j++) {
          float before = a[(k * oh + i) * ow + j];
          energy += Math.abs(before);
          assertEquals(before, b[(k * oh + i + 1) * ow + j + 1], 1e-5, "map " + k + " cell " + i + "," + j);
        }
      }
    }
    assertTrue(energy > 1, "the maps are not all zero");
  }

  @Test
  void layerShapesAndPlacementAreChecked() {
    Shape out = new LayerSpec.Scattering(2, 8).outputShape(new Shape(1, 28, 28));
    assertEquals(new Shape(81, 7, 7), out);
    assertEquals(new Shape(162, 4, 4), new LayerSpec.Scattering(2, 8).outputShape(new Shape(2, 16, 16)));
    InvalidInputException odd = assertThrows(InvalidInputException.class,
        () -> new LayerSpec.Scattering(2, 8).outputShape(new Shape(1, 30, 28)));
    assertTrue(odd.getMessage().contains("multiples of 4"), odd.getMessage());
    InvalidInputException second = assertThrows(InvalidInputException.class, () -> new ModelSpec(
        new Shape(1, 28, 28), List.of(new LayerSpec.Conv2D(2, 3, 1, 1), new LayerSpec.Scattering(2, 8)), 10));
    assertTrue(second.getMessage().contains("must be the first layer"), second.getMessage());
    ModelSpec spec = new ModelSpec(new Shape(1, 28, 28),
        List.of(new LayerSpec.Scattering(2, 8), new LayerSpec.GroupNorm(27)), 10);
    assertEquals(1, spec.fixedLayers());
    assertEquals(new Shape(81, 7, 7), spec.trainable().input());
    assertEquals(spec.numParams(), spec.trainable().numParams());
  }

  /** Training sees the fixed features computed once; scoring runs the whole network: same logits. */
  @Test
  void precomputedFeaturesGiveTheWholeNetworksLogits() {
    ModelSpec spec = new ModelSpec(new Shape(2, 8, 8), List.of(new LayerSpec.Scattering(1, 4),
        new LayerSpec.GroupNorm(5), new LayerSpec.Conv2D(3, 3, 1, 1), LayerSpec.Activate.tanh()), 4);
    SplittableRandom rng = new SplittableRandom(9);
    double[] params = new double[spec.numParams()];
    for (int k = 0; k < params.length; k++) {
      params[k] = rng.nextGaussian() * 0.3;
    }
    int m = 5;
    float[] x = new float[m * spec.inputDim()];
    for (int k = 0; k < x.length; k++) {
      x[k] = (float) rng.nextDouble();
    }
    Network whole = new Network(spec, params, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    double[][] expected = whole.logits(whole.input(x, m)).toDoubleMatrix();
    FixedFeatures fixed = new FixedFeatures(spec);
    assertEquals(10 * 4 * 4, fixed.outputDim());
    Network rest = new Network(spec.trainable(), params, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    double[][] actual = rest.logits(rest.input(fixed.apply(x, m), m)).toDoubleMatrix();
    for (int i = 0; i < m; i++) {
      org.junit.jupiter.api.Assertions.assertArrayEquals(expected[i], actual[i], 1e-12, "row " + i);
    }
  }

  private static float[] randomImage(SplittableRandom rng) {
    float[] img = new float[H * W];
    for (int k = 0; k < img.length; k++) {
      img[k] = (float) rng.nextDouble();
    }
    return img;
  }

  /**
   * The same transform computed the slow way: spatial filters (the inverse FFT of the bank's),
   * periodic convolutions as explicit sums, modulus, then the low-pass evaluated only at the
   * output samples.
   */
  private static final class DirectScattering {
    private final int pad = ScatteringTransform.padding(J);
    private final int nh = H + 2 * pad;
    private final int nw = W + 2 * pad;
    private final MorletFilterBank bank = MorletFilterBank.of(nh, nw, J, L);
    private final double[][] padded;

    DirectScattering(float[] img) {
      padded = new double[nh][2 * nw];
      for (int y = 0; y < nh; y++) {
        for (int x = 0; x < nw; x++) {
          padded[y][2 * x] = img[reflect(y - pad, H) * W + reflect(x - pad, W)];
        }
      }
    }

    double[] map(int k) {
      if (k == 0) {
        return sample(padded);
      }
      if (k <= J * L) {
        return sample(modulus(convolve(padded, bank.psiHat[k - 1])));
      }
      int idx = k - 1 - J * L;
      int l1 = idx / L;
      int l2 = idx % L;
      double[][] u1 = modulus(convolve(padded, bank.psiHat[l1]));
      return sample(modulus(convolve(u1, bank.psiHat[L + l2])));
    }

    private double[][] spatial(double[] hat) {
      org.jtransforms.fft.DoubleFFT_2D fft = new org.jtransforms.fft.DoubleFFT_2D(nh, nw);
      double[] f = hat.clone();
      fft.complexInverse(f, true);
      double[][] out = new double[nh][2 * nw];
      for (int y = 0; y < nh; y++) {
        System.arraycopy(f, 2 * y * nw, out[y], 0, 2 * nw);
      }
      return out;
    }

    private double[][] convolve(double[][] signal, double[] filterHat) {
      double[][] f = spatial(filterHat);
      double[][] out = new double[nh][2 * nw];
      for (int y = 0; y < nh; y++) {
        for (int x = 0; x < nw; x++) {
          double re = 0;
          double im = 0;
          for (int v = 0; v < nh; v++) {
            for (int u = 0; u < nw; u++) {
              double a = signal[v][2 * u];
              double b = signal[v][2 * u + 1];
              int fy = Math.floorMod(y - v, nh);
              int fx = Math.floorMod(x - u, nw);
              double c = f[fy][2 * fx];
              double d = f[fy][2 * fx + 1];
              re += a * c - b * d;
              im += a * d + b * c;
            }
          }
          out[y][2 * x] = re;
          out[y][2 * x + 1] = im;
        }
      }
      return out;
    }

    private static double[][] modulus(double[][] z) {
      double[][] out = new double[z.length][z[0].length];
      for (int y = 0; y < z.length; y++) {
        for (int x = 0; x < z[0].length / 2; x++) {
          out[y][2 * x] = Math.hypot(z[y][2 * x], z[y][2 * x + 1]);
        }
      }
      return out;
    }

    /** (signal ⋆ φ) at original pixels 2 + 4i, 2 + 4j. */
    private double[] sample(double[][] signal) {
      double[][] phi = spatial(bank.phiHat);
      int cell = 1 << J;
      int oh = H / cell;
      int ow = W / cell;
      double[] out = new double[oh * ow];
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int y = pad + cell / 2 + cell * i;
          int x = pad + cell / 2 + cell * j;
          double re = 0;
          for (int v = 0; v < nh; v++) {
            for (int u = 0; u < nw; u++) {
              re += signal[v][2 * u] * phi[Math.floorMod(y - v, nh)][2 * Math.floorMod(x - u, nw)]
                  - signal[v][2 * u + 1] * phi[Math.floorMod(y - v, nh)][2 * Math.floorMod(x - u, nw) + 1];
            }
          }
          out[i * ow + j] = re;
        }
      }
      return out;
    }

    private static int reflect(int i, int n) {
      return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    }
  }
}
