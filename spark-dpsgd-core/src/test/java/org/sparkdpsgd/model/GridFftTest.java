package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.jtransforms.fft.DoubleFFT_2D;
import org.junit.jupiter.api.Test;

/**
 * GridFft against JTransforms on grids whose sides use every radix it has (4, 2, 5 and the plain
 * DFT for 3 and 7), and its inverse as the forward transform's inverse.
 */
class GridFftTest {
  @Test
  void matchesJTransformsAndInvertsOnMixedRadixGrids() {
    int[][] sizes = {{40, 40}, {28, 24}, {14, 14}, {12, 20}, {6, 10}, {2, 3}};
    SplittableRandom rng = new SplittableRandom(2);
    for (int[] size : sizes) {
      int rows = size[0];
      int cols = size[1];
      int n = rows * cols;
      double[] interleaved = new double[2 * n];
      double[] re = new double[n];
      double[] im = new double[n];
      for (int k = 0; k < n; k++) {
        re[k] = interleaved[2 * k] = rng.nextGaussian();
        im[k] = interleaved[2 * k + 1] = rng.nextGaussian();
      }
      double[] expected = interleaved.clone();
      new DoubleFFT_2D(rows, cols).complexForward(expected);
      GridFft fft = new GridFft(rows, cols);
      double[] expRe = new double[n];
      double[] expIm = new double[n];
      fft.toSpectrumLayout(expected, expRe, expIm);
      fft.forward(re, im);
      double forwardError = 0;
      for (int k = 0; k < n; k++) {
        forwardError = Math.max(forwardError, Math.hypot(re[k] - expRe[k], im[k] - expIm[k]));
      }
      fft.inverse(re, im);
      double roundTrip = 0;
      for (int k = 0; k < n; k++) {
        roundTrip =
            Math.max(
                roundTrip, Math.hypot(re[k] - interleaved[2 * k], im[k] - interleaved[2 * k + 1]));
      }
      String grid = rows + "x" + cols;
      assertTrue(forwardError < 1e-11, grid + " forward off by " + forwardError);
      assertTrue(roundTrip < 1e-13, grid + " round trip off by " + roundTrip);
    }
  }
}
