package org.sparkdpsgd.audit;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiment's picture: mean exposure against the number of insertions, one line per model,
 * with the chance level and the ceiling log2 |R| drawn as reference lines. Insertion counts grow by
 * factors of 4, so the x axis is log2(insertions), labelled with the counts themselves.
 */
public final class ExposurePlot {
  public static final int WIDTH = 800;
  public static final int HEIGHT = 500;

  private ExposurePlot() {}

  public static XYChart chart(ExposureReport report) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Secret Sharer exposure of \"" + report.plan().format().describe() + "\"")
            .xAxisTitle("insertions of the canary (log scale)")
            .yAxisTitle("mean exposure (bits)")
            .build();
    List<Integer> counts = report.plan().insertionCounts();
    double ceiling = report.log2SpaceSize();
    double chance = report.chanceLevel();
    var styler = chart.getStyler();
    // Ticks are labelled with the counts they stand for; the spacing hint keeps them at least one
    // power of 2 apart, so they fall on whole powers: 1, 2, 4, ... 64.
    double first = log2(counts.get(0));
    double last = log2(counts.get(counts.size() - 1));
    styler.setxAxisTickLabelsFormattingFunction(ExposurePlot::countLabel);
    styler.setXAxisTickMarkSpacingHint((int) (WIDTH / (last - first + 2)));
    styler.setXAxisMin(first - 0.5);
    styler.setXAxisMax(last + 0.5);
    styler.setYAxisMin(0.0);
    styler.setYAxisMax(Math.ceil(ceiling + 2));
    styler.setYAxisDecimalPattern("#,##0.#");
    styler.setLegendVisible(report.models().size() >= 2);
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setAnnotationLineColor(Color.GRAY);
    styler.setAnnotationLineStroke(
        new BasicStroke(
            1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    styler.setAnnotationTextFontColor(Color.DARK_GRAY);
    for (ModelExposures m : report.models()) {
      SortedMap<Integer, Double> means = m.meanExposureByInsertions();
      double[] x = means.keySet().stream().mapToDouble(ExposurePlot::log2).toArray();
      double[] y = means.values().stream().mapToDouble(Double::doubleValue).toArray();
      XYSeries series = chart.addSeries(m.model(), x, y);
      series.setMarker(SeriesMarkers.CIRCLE);
    }
    reference(chart, ceiling, String.format(Locale.ROOT, "log2|R| = %.2f", ceiling), counts);
    reference(chart, chance, String.format(Locale.ROOT, "chance level = %.2f", chance), counts);
    return chart;
  }

  public static void writePng(ExposureReport report, OutputStream out) throws IOException {
    BitmapEncoder.saveBitmap(chart(report), out, BitmapEncoder.BitmapFormat.PNG);
  }

  /**
   * A horizontal line at {@code y}, labelled just above it halfway between the first two counts,
   * where no data point can hide the label.
   */
  private static void reference(XYChart chart, double y, String label, List<Integer> counts) {
    chart.addAnnotation(new AnnotationLine(y, false, false));
    double first = log2(counts.get(0));
    double x = counts.size() > 1 ? (first + log2(counts.get(1))) / 2 : first + 0.25;
    chart.addAnnotation(new AnnotationText(label, x, y + 0.6, false));
  }

  /**
   * The insertion count at a position on the log2 axis: exact at whole powers of two, to three
   * significant digits between them. Labels must differ: XChart draws no ticks at all when the axis
   * ends' labels are alike.
   */
  static String countLabel(double log2Count) {
    long whole = Math.round(log2Count);
    if (Math.abs(log2Count - whole) < 1e-9 && whole >= 0 && whole <= 62) {
      return Long.toString(1L << whole);
    }
    return String.format(Locale.ROOT, "%.3g", Math.pow(2, log2Count));
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
