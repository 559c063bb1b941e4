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
 * pixel by pixel, no FFT), and its defining properties: zero-mean wavelets (a constant image has no
 * order-1/2 energy) and covariance with translations by whole cells.
 */
class ScatteringTransformTest {
  private static final int H = 16;
  private static final int W = 12;
  private static final int J = 2;
  private static final int L = 4;

  @Test
  void matchesDirectConvolutionInSpace() {
    assertEquals(1 + 8 + 16, ScatteringTransform.mapsPerChannel(J, L));
    matchesDirect(H, W, J, L, 3);
  }

  /** Three scales: several second-order scales per first-order one, (j1, θ1, j2, θ2) in order. */
  @Test
  void matchesDirectConvolutionInSpaceWithThreeScales() {
    assertEquals(1 + 3 * 2 + 2 * 2 * 3, ScatteringTransform.mapsPerChannel(3, 2));
    matchesDirect(16, 16, 3, 2, 4);
  }

  private static void matchesDirect(int h, int w, int scales, int angles, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] img = new float[h * w];
    for (int k = 0; k < img.length; k++) {
      img[k] = (float) rng.nextDouble();
    }
    ScatteringTransform t = new ScatteringTransform(h, w, scales, angles);
    int maps = ScatteringTransform.mapsPerChannel(scales, angles);
    float[] out = new float[maps * t.outHeight() * t.outWidth()];
    t.transform(img, 0, out, 0);

    DirectScattering ref = new DirectScattering(img, h, w, scales, angles);
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
    assertTrue(
        worst <= 1e-5 * scale, "largest difference " + worst + " (largest value " + scale + ")");
  }

  /**
   * The filters, independently of how they are built: each wavelet's spectrum peaks at its
   * frequency ξ_j = 3π/(4·2^j) in its direction θ = πl/L (within a bin and a half), vanishes at
   * zero frequency; the low-pass passes the mean (φ̂(0) = 1).
   */
  @Test
  void waveletSpectraPeakAtTheirFrequencyAndDirection() {
    int n = 40;
    MorletFilterBank bank = MorletFilterBank.of(n, n, 2, 8);
    double bin = 2 * Math.PI / n;
    for (int j = 0; j < 2; j++) {
      for (int l = 0; l < 8; l++) {
        double[] hat = bank.psiHat[j * 8 + l];
        int best = 0;
        for (int k = 0; k < n * n; k++) {
          if (Math.hypot(hat[2 * k], hat[2 * k + 1])
              > Math.hypot(hat[2 * best], hat[2 * best + 1])) {
            best = k;
          }
        }
        double fy = signed(best / n, n) * bin;
        double fx = signed(best % n, n) * bin;
        double xi = 3 * Math.PI / 4 / (1 << j);
        double theta = Math.PI * l / 8;
        double miss = Math.hypot(fx - xi * Math.cos(theta), fy - xi * Math.sin(theta));
        assertTrue(
            miss <= 1.5 * bin,
            "psi("
                + j
                + ","
                + l
                + ") peaks at ("
                + fx
                + ", "
                + fy
                + "), "
                + miss / bin
                + " bins off");
        assertEquals(0.0, Math.hypot(hat[0], hat[1]), 1e-9, "zero mean");
      }
    }
    assertEquals(1.0, bank.phiHat[0], 1e-6);
  }

  private static int signed(int i, int n) {
    return i < n / 2 ? i : i - n;
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
          assertEquals(
              before, b[(k * oh + i + 1) * ow + j + 1], 1e-5, "map " + k + " cell " + i + "," + j);
        }
      }
    }
    assertTrue(energy > 1, "the maps are not all zero");
  }

  @Test
  void layerShapesAndPlacementAreChecked() {
    Shape out = new LayerSpec.Scattering(2, 8).outputShape(new Shape(1, 28, 28));
    assertEquals(new Shape(81, 7, 7), out);
    assertEquals(
        new Shape(162, 4, 4), new LayerSpec.Scattering(2, 8).outputShape(new Shape(2, 16, 16)));
    InvalidInputException odd =
        assertThrows(
            InvalidInputException.class,
            () -> new LayerSpec.Scattering(2, 8).outputShape(new Shape(1, 30, 28)));
    assertTrue(odd.getMessage().contains("multiples of 4"), odd.getMessage());
    InvalidInputException second =
        assertThrows(
            InvalidInputException.class,
            () ->
                new ModelSpec(
                    new Shape(1, 28, 28),
                    List.of(new LayerSpec.Conv2D(2, 3, 1, 1), new LayerSpec.Scattering(2, 8)),
                    10));
    assertTrue(second.getMessage().contains("must be the first layer"), second.getMessage());
    ModelSpec spec =
        new ModelSpec(
            new Shape(1, 28, 28),
            List.of(new LayerSpec.Scattering(2, 8), new LayerSpec.GroupNorm(27)),
            10);
    assertEquals(1, spec.fixedLayers());
    assertEquals(new Shape(81, 7, 7), spec.trainable().input());
    assertEquals(spec.numParams(), spec.trainable().numParams());
    // a normalisation without parameters right after it is fixed too; one with them is not
    ModelSpec linear =
        new ModelSpec(
            new Shape(1, 28, 28),
            List.of(
                new LayerSpec.Scattering(2, 8),
                new LayerSpec.GroupNorm(27, false),
                new LayerSpec.GroupNorm(3)),
            10);
    assertEquals(2, linear.fixedLayers());
    assertEquals(List.of(new LayerSpec.GroupNorm(3)), linear.trainable().layers());
    assertEquals(81 * 49 * 10 + 10 + 2 * 81, linear.numParams());
  }

  /**
   * Multiscale: per channel, the J = 3 maps, then the J = 2 maps folded 2 × 2 and the J = 1 maps
   * folded 4 × 4 onto the 2 × 2 grid, each finer pixel (i·f + a, j·f + b) of map k at (i, j) of map
   * (a·f + b)·M' + k; every value of each transform appears exactly once.
   */
  @Test
  void multiscaleAppendsTheFinerTransformsFoldedOntoTheCoarseGrid() {
    int channels = 2;
    int side = 16;
    int angles = 2;
    LayerSpec.Scattering spec = new LayerSpec.Scattering(3, angles, true);
    Shape in = new Shape(channels, side, side);
    int[] maps = new int[4];
    for (int j = 1; j <= 3; j++) {
      maps[j] = ScatteringTransform.mapsPerChannel(j, angles);
    }
    assertEquals(19, maps[3]);
    assertEquals(19 + 9 * 4 + 3 * 16, spec.mapsPerChannel());
    assertEquals(new Shape(channels * 103, 2, 2), spec.outputShape(in));
    assertEquals(
        new Shape(117, 7, 7),
        new LayerSpec.Scattering(2, 8, true).outputShape(new Shape(1, 28, 28)));

    SplittableRandom rng = new SplittableRandom(5);
    int m = 2;
    float[] x = new float[m * in.size()];
    for (int k = 0; k < x.length; k++) {
      x[k] = (float) rng.nextDouble();
    }
    Shape outShape = spec.outputShape(in);
    float[] actual =
        ((ScatteringLayer) spec.create(in, org.nd4j.linalg.api.buffer.DataType.FLOAT)).apply(x, m);
    assertEquals(m * outShape.size(), actual.length);
    int perChannel = spec.mapsPerChannel() * 4;
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < channels; c++) {
        int inOff = i * in.size() + c * side * side;
        int outOff = i * outShape.size() + c * perChannel;
        int block = 0;
        for (int j = 3; j >= 1; j--) {
          ScatteringTransform t = new ScatteringTransform(side, side, j, angles);
          int fine = t.outHeight();
          float[] own = new float[maps[j] * fine * fine];
          t.transform(x, inOff, own, 0);
          int f = fine / 2;
          for (int k = 0; k < maps[j]; k++) {
            for (int yy = 0; yy < fine; yy++) {
              for (int xx = 0; xx < fine; xx++) {
                int folded = ((yy % f) * f + xx % f) * maps[j] + k;
                int at = outOff + block + folded * 4 + (yy / f) * 2 + xx / f;
                assertEquals(
                    own[k * fine * fine + yy * fine + xx],
                    actual[at],
                    0f,
                    "row " + i + " channel " + c + " J " + j + " map " + k);
              }
            }
          }
          block += maps[j] * fine * fine;
        }
        assertEquals(perChannel, block);
      }
    }
    assertEquals("scattering(J3,L2,multiscale)", spec.describe());
    assertEquals(
        java.util.Map.of("type", "scattering", "scales", 3, "angles", 2, "multiscale", true),
        spec.toMap());
    assertEquals(
        java.util.Map.of("type", "scattering", "scales", 3, "angles", 2),
        new LayerSpec.Scattering(3, 2).toMap());
  }

  /**
   * Training sees the fixed features computed once; scoring runs the whole network: same logits.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void precomputedFeaturesGiveTheWholeNetworksLogits(boolean affineNorm) {
    ModelSpec spec =
        new ModelSpec(
            new Shape(2, 8, 8),
            List.of(
                new LayerSpec.Scattering(1, 4),
                new LayerSpec.GroupNorm(5, affineNorm),
                new LayerSpec.Conv2D(3, 3, 1, 1),
                LayerSpec.Activate.tanh()),
            4);
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
    assertEquals(affineNorm ? 1 : 2, spec.fixedLayers());
    assertEquals(10 * 4 * 4, fixed.outputDim());
    Network rest =
        new Network(spec.trainable(), params, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    double[][] actual = rest.logits(rest.input(fixed.apply(x, m), m)).toDoubleMatrix();
    // A fixed normalisation is computed in float, as the cached features are stored: its output
    // differs from the double-precision network's by float rounding (~1e-7 relative).
    double tolerance = affineNorm ? 1e-12 : 1e-5;
    for (int i = 0; i < m; i++) {
      org.junit.jupiter.api.Assertions.assertArrayEquals(
          expected[i], actual[i], tolerance, "row " + i);
    }
  }

  /**
   * The same transform computed the slow way: spatial filters (the inverse FFT of the bank's),
   * periodic convolutions as explicit sums, modulus, then the low-pass evaluated only at the output
   * samples.
   */
  private static final class DirectScattering {
    private final int h;
    private final int w;
    private final int scales;
    private final int pad;
    private final int nh;
    private final int nw;
    private final MorletFilterBank bank;
    private final double[][] padded;

    /**
     * Filter indices j·L + θ of each map: {} for order 0, {ψ1} for order 1, {ψ1, ψ2} for order 2.
     */
    private final java.util.List<int[]> paths = new java.util.ArrayList<>();

    DirectScattering(float[] img, int h, int w, int scales, int angles) {
      this.h = h;
      this.w = w;
      this.scales = scales;
      this.pad = ScatteringTransform.padding(scales);
      this.nh = h + 2 * pad;
      this.nw = w + 2 * pad;
      this.bank = MorletFilterBank.of(nh, nw, scales, angles);
      padded = new double[nh][2 * nw];
      for (int y = 0; y < nh; y++) {
        for (int x = 0; x < nw; x++) {
          padded[y][2 * x] = img[reflect(y - pad, h) * w + reflect(x - pad, w)];
        }
      }
      paths.add(new int[0]);
      for (int j = 0; j < scales; j++) {
        for (int l = 0; l < angles; l++) {
          paths.add(new int[] {j * angles + l});
        }
      }
      for (int j1 = 0; j1 < scales; j1++) {
        for (int l1 = 0; l1 < angles; l1++) {
          for (int j2 = j1 + 1; j2 < scales; j2++) {
            for (int l2 = 0; l2 < angles; l2++) {
              paths.add(new int[] {j1 * angles + l1, j2 * angles + l2});
            }
          }
        }
      }
    }

    double[] map(int k) {
      double[][] u = padded;
      for (int filter : paths.get(k)) {
        u = modulus(convolve(u, bank.psiHat[filter]));
      }
      return sample(u);
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
      int cell = 1 << scales;
      int oh = h / cell;
      int ow = w / cell;
      double[] out = new double[oh * ow];
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int y = pad + cell / 2 + cell * i;
          int x = pad + cell / 2 + cell * j;
          double re = 0;
          for (int v = 0; v < nh; v++) {
            for (int u = 0; u < nw; u++) {
              re +=
                  signal[v][2 * u] * phi[Math.floorMod(y - v, nh)][2 * Math.floorMod(x - u, nw)]
                      - signal[v][2 * u + 1]
                          * phi[Math.floorMod(y - v, nh)][2 * Math.floorMod(x - u, nw) + 1];
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
