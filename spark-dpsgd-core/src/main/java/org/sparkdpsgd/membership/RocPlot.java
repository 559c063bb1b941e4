package org.sparkdpsgd.membership;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * ROC curves on log-log axes with the diagonal of guessing, as Carlini et al. 2022 draw them: the
 * low false-positive corner, where an attack is confident about a few examples, gets as much room
 * as the rest. Rates of 0 cannot sit on a log axis; they are drawn at {@link #floor}, half the
 * smallest positive rate any of the curves can have.
 */
public final class RocPlot {
  public static final int WIDTH = 700;
  public static final int HEIGHT = 600;

  private static final Color[] COLORS = {
    new Color(31, 119, 180),
    new Color(255, 127, 14),
    new Color(44, 160, 44),
    new Color(214, 39, 40),
    new Color(148, 103, 189),
    new Color(140, 86, 75)
  };

  private RocPlot() {}

  /** Writes {@link #chart} as a PNG image of {@link #WIDTH} × {@link #HEIGHT} pixels. */
  public static void writePng(String title, Map<String, RocCurve> curves, OutputStream out)
      throws IOException {
    BitmapEncoder.saveBitmap(chart(title, curves), out, BitmapEncoder.BitmapFormat.PNG);
  }

  /**
   * One line per curve, in the map's order, named with its AUC and its TPR at 0.1% FPR; then the
   * diagonal.
   */
  public static XYChart chart(String title, Map<String, RocCurve> curves) {
    if (curves.isEmpty()) {
      throw new InvalidInputException("a ROC plot needs at least one curve; provided: none");
    }
    double floor = floor(curves.values());
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("false-positive rate")
            .yAxisTitle("true-positive rate")
            .build();
    var styler = chart.getStyler();
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setXAxisLogarithmic(true);
    styler.setYAxisLogarithmic(true);
    styler.setXAxisMin(floor);
    styler.setXAxisMax(1.0);
    styler.setYAxisMin(floor);
    styler.setYAxisMax(1.0);
    int c = 0;
    for (Map.Entry<String, RocCurve> e : curves.entrySet()) {
      RocCurve roc = e.getValue();
      XYSeries s =
          chart.addSeries(
              label(e.getKey(), roc), atLeast(roc.fpr(), floor), atLeast(roc.tpr(), floor));
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      s.setMarker(SeriesMarkers.NONE);
      s.setLineColor(COLORS[c++ % COLORS.length]);
      s.setLineWidth(2f);
    }
    XYSeries diagonal =
        chart.addSeries("guessing (AUC 0.5)", new double[] {floor, 1}, new double[] {floor, 1});
    diagonal.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    diagonal.setMarker(SeriesMarkers.NONE);
    diagonal.setLineColor(Color.GRAY);
    diagonal.setLineStyle(
        new BasicStroke(
            1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    return chart;
  }

  /** Where a rate of 0 is drawn: half of 1 / (the most examples on either side of any curve). */
  static double floor(Iterable<RocCurve> curves) {
    int most = 1;
    for (RocCurve r : curves) {
      most = Math.max(most, Math.max(r.members(), r.nonMembers()));
    }
    return 0.5 / most;
  }

  /** "name: AUC 0.512, TPR 0.20% at 0.1% FPR". */
  static String label(String name, RocCurve roc) {
    return String.format(
        Locale.ROOT,
        "%s: AUC %.3f, TPR %.2f%% at 0.1%% FPR",
        name,
        roc.auc(),
        100 * roc.tprAtFpr(0.001));
  }

  private static double[] atLeast(double[] rates, double floor) {
    double[] r = rates.clone();
    for (int k = 0; k < r.length; k++) {
      r[k] = Math.max(r[k], floor);
    }
    return r;
  }
}
