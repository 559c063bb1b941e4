package org.sparkdpsgd.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.sparkdpsgd.util.InvalidInputException;

/** The one-run audit's picture: the two histograms as series, the PNG, and the title's text. */
class OneRunPlotTest {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  /**
   * 200 canaries, every third left out; the included ones score 3 + (k mod 7) / 4, the others (k
   * mod 5) / 4 - 1: two separate humps, no randomness.
   */
  private static double[] scores(boolean[] included) {
    double[] s = new double[included.length];
    for (int k = 0; k < s.length; k++) {
      s[k] = included[k] ? 3 + (k % 7) / 4.0 : (k % 5) / 4.0 - 1;
    }
    return s;
  }

  private static boolean[] included(int m) {
    boolean[] in = new boolean[m];
    for (int k = 0; k < m; k++) {
      in[k] = k % 3 != 0;
    }
    return in;
  }

  /** A histogram's outline holds each bin's count twice: at odd indices 2b + 1 and at 2b + 2. */
  private static int total(XYSeries outline) {
    double[] y = outline.getYData();
    double total = 0;
    for (int i = 1; i < y.length - 1; i += 2) {
      assertEquals(y[i], y[i + 1], "a bin's top is flat");
      total += y[i];
    }
    assertEquals(0, y[0]);
    assertEquals(0, y[y.length - 1]);
    return (int) total;
  }

  @Test
  void chartHasBothHistogramsUnderTheirNames() {
    boolean[] included = included(200);
    double[] scores = scores(included);
    OneRunGuesses g = OneRunGuesses.guess(scores, included, 40, 40);
    XYChart chart = OneRunPlot.chart(scores, included, g, "a title");
    assertEquals("a title", chart.getTitle());
    assertEquals(OneRunPlot.WIDTH, chart.getWidth());
    assertEquals(OneRunPlot.HEIGHT, chart.getHeight());
    // 133 of 200 in (k mod 3 != 0), 67 left out.
    assertEquals(
        List.of("in the training set (133)", "left out (67)"),
        List.copyOf(chart.getSeriesMap().keySet()));
    assertEquals(133, total(chart.getSeriesMap().get("in the training set (133)")));
    assertEquals(67, total(chart.getSeriesMap().get("left out (67)")));
    // The bins span the scores, from -1 to 4.5: the outlines start and end there.
    double[] x = chart.getSeriesMap().get("left out (67)").getXData();
    assertEquals(-1.0, x[0]);
    assertEquals(4.5, x[x.length - 1], 1e-12);
    // The separated humps make every guess right.
    assertEquals(80, g.correct());
  }

  @Test
  void pngHasTheSignatureAndTheChartsSize() throws IOException {
    boolean[] included = included(200);
    double[] scores = scores(included);
    OneRunGuesses g = OneRunGuesses.guess(scores, included, 40, 40);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OneRunPlot.writePng(
        OneRunPlot.chart(scores, included, g, OneRunPlot.title(3, 1.5, 1e-5, 0.95)), out);
    byte[] png = out.toByteArray();
    assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, PNG_SIGNATURE.length));
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(OneRunPlot.WIDTH, image.getWidth());
    assertEquals(OneRunPlot.HEIGHT, image.getHeight());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) {
        colours.add(image.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 10, "a blank picture: " + colours.size() + " colours");
  }

  /** Equal scores give a range of zero width, widened by 1/2 each side; one side may be empty. */
  @Test
  void equalScoresAndAnEmptySideStillDraw() throws IOException {
    double[] scores = new double[30];
    Arrays.fill(scores, 2.0);
    boolean[] included = new boolean[30];
    Arrays.fill(included, true);
    OneRunGuesses g = OneRunGuesses.guess(scores, included, 10, 0);
    XYChart chart = OneRunPlot.chart(scores, included, g, "flat");
    assertEquals(
        List.of("in the training set (30)", "left out (0)"),
        List.copyOf(chart.getSeriesMap().keySet()));
    assertEquals(30, total(chart.getSeriesMap().get("in the training set (30)")));
    double[] x = chart.getSeriesMap().get("left out (0)").getXData();
    assertEquals(1.5, x[0]);
    assertEquals(2.5, x[x.length - 1], 1e-12);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OneRunPlot.writePng(chart, out);
    assertEquals(
        OneRunPlot.WIDTH, ImageIO.read(new ByteArrayInputStream(out.toByteArray())).getWidth());
  }

  @Test
  void mismatchedInputsFail() {
    boolean[] included = included(5);
    double[] scores = scores(included);
    OneRunGuesses g = OneRunGuesses.guess(scores, included, 1, 1);
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> OneRunPlot.chart(scores, Arrays.copyOf(included, 4), g, "t"));
    assertEquals(
        "included.length and the guesses' canaries must be the number of scores, 5; provided"
            + " value: 4 and 5",
        e.getMessage());
    OneRunGuesses other = OneRunGuesses.guess(new double[6], new boolean[6], 1, 1);
    assertThrows(InvalidInputException.class, () -> OneRunPlot.chart(scores, included, other, "t"));
  }

  @Test
  void titleNamesTheClaimAndTheBound() {
    assertEquals(
        "claimed ε = 8.00, one-run lower bound ε ≥ 1.23 (95% confidence, δ = 1e-05)",
        OneRunPlot.title(8, 1.234, 1e-5, 0.95));
    assertEquals(
        "claimed ε = 3.00, one-run lower bound ε ≥ 0.54 (99.9% confidence, δ = 2.5e-06)",
        OneRunPlot.title(3, 0.5400146, 2.5e-6, 0.999));
    assertEquals(
        "claimed ε = 2.00, one-run lower bound ε ≥ 2.01 (90% confidence, δ = 0)",
        OneRunPlot.title(2, 2.0100857, 0, 0.9));
    // A confidence of 0.9999 is not 100%; δ keeps three digits, and its exponent its zero.
    assertEquals(
        "claimed ε = 0.50, one-run lower bound ε ≥ 0.00 (99.99% confidence, δ = 1.23e-10)",
        OneRunPlot.title(0.5, 0, 1.234e-10, 0.9999));
    assertEquals(
        "claimed ε = 10.00, one-run lower bound ε ≥ 5.27 (97.5% confidence, δ = 0.001)",
        OneRunPlot.title(10, 5.2704, 0.001, 0.975));
  }
}
