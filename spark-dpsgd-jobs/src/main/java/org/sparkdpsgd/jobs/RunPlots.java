package org.sparkdpsgd.jobs;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sparkdpsgd.train.StepMetrics;
import org.sparkdpsgd.train.TrainingResult;

/**
 * The PNG plots a train run leaves beside report.json: ε over the steps, the test loss and the test
 * accuracy (or perplexity) over the steps, and test accuracy against ε spent — the privacy–utility
 * picture. Numeric axes with thousands separators; no legend, each plot has one series.
 */
final class RunPlots {
  static final int WIDTH = 640;
  static final int HEIGHT = 420;

  private RunPlots() {}

  /** File name → chart, in the order report.html shows them; only those the run has data for. */
  static Map<String, XYChart> charts(TrainingResult r, List<RunCurves.Point> test, boolean lm) {
    Map<String, XYChart> charts = new LinkedHashMap<>();
    String score = lm ? "test perplexity per character" : "test accuracy (%)";
    ToDoubleFunction<RunCurves.Point> scoreOf =
        lm ? RunCurves.Point::testScore : p -> 100 * p.testScore();
    boolean privateRun = !r.privacy().nonPrivate();
    if (privateRun && !test.isEmpty()) {
      List<RunCurves.Point> finite =
          test.stream().filter(p -> Double.isFinite(p.epsilon())).toList();
      if (!finite.isEmpty()) {
        charts.put(
            lm ? "perplexity-vs-epsilon.png" : "accuracy-vs-epsilon.png",
            line(
                (lm ? "Test perplexity" : "Test accuracy") + " against the privacy spent",
                "ε spent (δ = " + delta(r.privacy().delta()) + ")",
                score,
                finite.stream().mapToDouble(RunCurves.Point::epsilon).toArray(),
                finite.stream().mapToDouble(scoreOf).toArray(),
                true));
      }
    }
    if (!test.isEmpty()) {
      double[] steps = test.stream().mapToDouble(RunCurves.Point::step).toArray();
      charts.put(
          lm ? "test-perplexity.png" : "test-accuracy.png",
          line(
              lm ? "Test perplexity" : "Test accuracy",
              "step",
              score,
              steps,
              test.stream().mapToDouble(scoreOf).toArray(),
              true));
      charts.put(
          "test-loss.png",
          line(
              "Test loss",
              "step",
              "mean cross-entropy (nats)",
              steps,
              test.stream().mapToDouble(RunCurves.Point::testLoss).toArray(),
              true));
    }
    if (privateRun) {
      List<StepMetrics> finite =
          r.metrics().stream().filter(m -> Double.isFinite(m.epsilon())).toList();
      if (!finite.isEmpty()) {
        charts.put(
            "epsilon.png",
            line(
                "Privacy spent (" + r.privacy().accountant().toUpperCase() + " accountant)",
                "step",
                "ε at δ = " + delta(r.privacy().delta()),
                finite.stream().mapToDouble(StepMetrics::step).toArray(),
                finite.stream().mapToDouble(StepMetrics::epsilon).toArray(),
                false));
      }
    }
    return charts;
  }

  static XYChart line(String title, String x, String y, double[] xs, double[] ys, boolean markers) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    var styler = chart.getStyler();
    styler.setLegendVisible(false);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setXAxisDecimalPattern("#,##0.##");
    styler.setYAxisDecimalPattern("#,##0.##");
    styler.setXAxisTickMarkSpacingHint(90);
    XYSeries s = chart.addSeries(y, nonEmpty(xs), nonEmpty(ys));
    s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    s.setLineColor(new Color(31, 119, 180));
    s.setMarkerColor(new Color(31, 119, 180));
    return chart;
  }

  static void writePng(XYChart chart, OutputStream out) throws IOException {
    BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
  }

  private static String delta(double d) {
    return String.format(java.util.Locale.ROOT, "%.3g", d).replaceAll("\\.?0+e", "e");
  }

  private static double[] nonEmpty(double[] a) {
    return a.length == 0 ? new double[] {0} : a;
  }

  /** The series' x values, for tests. */
  static List<Double> xs(XYChart chart) {
    List<Double> out = new ArrayList<>();
    for (double v : chart.getSeriesMap().values().iterator().next().getXData()) {
      out.add(v);
    }
    return out;
  }
}
