package org.sparkdpsgd.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.sparkdpsgd.util.InvalidInputException;

class RocPlotTest {
  private static RocCurve shifted(double shift, int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] in = new double[n];
    double[] out = new double[n];
    for (int k = 0; k < n; k++) {
      in[k] = rng.nextGaussian() + shift;
      out[k] = rng.nextGaussian();
    }
    return new RocCurve(in, out);
  }

  private static Map<String, RocCurve> curves() {
    Map<String, RocCurve> curves = new LinkedHashMap<>();
    curves.put("DP-SGD loss", shifted(0.0, 500, 1));
    curves.put("non-private loss", shifted(1.5, 500, 2));
    return curves;
  }

  @Test
  void writesAReadablePngOfTheChartsSize() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RocPlot.writePng("membership inference", curves(), bytes);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes.toByteArray()));
    assertNotNull(image, "ImageIO reads the bytes as an image");
    assertEquals(RocPlot.WIDTH, image.getWidth());
    assertEquals(RocPlot.HEIGHT, image.getHeight());
  }

  @Test
  void drawsEachCurveInOrderThenTheDiagonalAllAboveZero() {
    XYChart chart = RocPlot.chart("t", curves());
    List<String> names = List.copyOf(chart.getSeriesMap().keySet());
    assertEquals(3, names.size());
    assertTrue(names.get(0).startsWith("DP-SGD loss: AUC "), names.get(0));
    assertTrue(names.get(1).startsWith("non-private loss: AUC "), names.get(1));
    assertEquals("guessing (AUC 0.5)", names.get(2));
    // 500 examples a side: rates of 0 are drawn at 1/1000, and nothing lies below it (a log axis
    // cannot show 0).
    double floor = 0.5 / 500;
    for (XYSeries s : chart.getSeriesMap().values()) {
      for (double v : s.getXData()) {
        assertTrue(v >= floor && v <= 1, s.getName() + " x " + v);
      }
      for (double v : s.getYData()) {
        assertTrue(v >= floor && v <= 1, s.getName() + " y " + v);
      }
    }
    XYSeries diagonal = chart.getSeriesMap().get("guessing (AUC 0.5)");
    assertEquals(floor, diagonal.getXData()[0]);
    assertEquals(floor, diagonal.getYData()[0]);
  }

  @Test
  void labelNamesAucAndTprAtLowFpr() {
    RocCurve roc = new RocCurve(new double[] {0.4, 0.9, 0.8}, new double[] {0.3, 0.7});
    assertEquals("x: AUC 0.833, TPR 66.67% at 0.1% FPR", RocPlot.label("x", roc));
  }

  @Test
  void refusesAnEmptyPlot() {
    assertThrows(InvalidInputException.class, () -> RocPlot.chart("t", new LinkedHashMap<>()));
  }
}
