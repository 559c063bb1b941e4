package org.sparkdpsgd.audit;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.Locale;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sparkdpsgd.util.Checks;

/**
 * The one-run audit's picture: histograms of the canaries' scores, one for those in the training
 * set and one for those left out, drawn as outlines on shared bins so both stay visible where they
 * overlap, with the two guess thresholds as dashed vertical lines. The further apart the two
 * histograms, the better the guesses outside the thresholds, and the larger the lower bound.
 */
public final class OneRunPlot {
  public static final int WIDTH = 800;
  public static final int HEIGHT = 500;

  private OneRunPlot() {}

  /**
   * A title naming the claimed ε and the audit's lower bound, e.g. "claimed ε = 8.00, one-run lower
   * bound ε ≥ 1.23 (95% confidence, δ = 1e-05)".
   */
  public static String title(
      double claimedEpsilon, double lowerBound, double delta, double confidence) {
    return String.format(
        Locale.ROOT,
        "claimed ε = %.2f, one-run lower bound ε ≥ %.2f (%s%% confidence, δ = %s)",
        claimedEpsilon,
        lowerBound,
        percent(confidence),
        threeDigits(delta));
  }

  public static XYChart chart(double[] scores, boolean[] included, OneRunGuesses g, String title) {
    int m = scores.length;
    if (included.length != m || g.canaries() != m) {
      throw Checks.fail(
          "included.length and the guesses' canaries",
          "the number of scores, " + m,
          included.length + " and " + g.canaries());
    }
    ScoreBins bins = ScoreBins.of(scores);
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("canary score (higher: more likely in the training set)")
            .yAxisTitle("canaries per bin")
            .build();
    var styler = chart.getStyler();
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setXAxisMin(bins.edge(0));
    styler.setXAxisMax(bins.edge(bins.count()));
    styler.setYAxisMin(0.0);
    styler.setYAxisDecimalPattern("#,##0");
    styler.setAnnotationLineColor(Color.GRAY);
    styler.setAnnotationLineStroke(
        new BasicStroke(
            1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    styler.setAnnotationTextFontColor(Color.DARK_GRAY);
    int[] in = bins.counts(scores, included, true);
    int[] out = bins.counts(scores, included, false);
    outline(chart, "in the training set (" + sum(in) + ")", bins, in, new Color(31, 119, 180));
    outline(chart, "left out (" + sum(out) + ")", bins, out, new Color(255, 127, 14));
    double top = Math.max(max(in), max(out));
    styler.setYAxisMax(Math.max(1, top) * 1.25);
    if (g.kIn() > 0) {
      String label = "guess in: " + g.correctIn() + "/" + g.kIn() + " right";
      threshold(chart, g.lowestInScore(), label, Math.max(1, top) * 1.18);
    }
    if (g.kOut() > 0) {
      String label = "guess out: " + g.correctOut() + "/" + g.kOut() + " right";
      threshold(chart, g.highestOutScore(), label, Math.max(1, top) * 1.08);
    }
    return chart;
  }

  public static void writePng(XYChart chart, OutputStream out) throws IOException {
    BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
  }

  /** A histogram as a closed step line: up at each bin's left edge, across, down at the end. */
  private static void outline(XYChart chart, String name, ScoreBins bins, int[] counts, Color c) {
    int n = counts.length;
    double[] x = new double[2 * n + 2];
    double[] y = new double[2 * n + 2];
    for (int b = 0; b < n; b++) {
      x[2 * b + 1] = bins.edge(b);
      x[2 * b + 2] = bins.edge(b + 1);
      y[2 * b + 1] = counts[b];
      y[2 * b + 2] = counts[b];
    }
    x[0] = bins.edge(0);
    x[2 * n + 1] = bins.edge(n);
    XYSeries series = chart.addSeries(name, x, y);
    series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    series.setMarker(SeriesMarkers.NONE);
    series.setLineColor(c);
    series.setLineWidth(2f);
  }

  /**
   * A vertical line at a threshold score, labelled above the histograms' peak; the two labels sit
   * at different heights so they do not overlap when the thresholds are close.
   */
  private static void threshold(XYChart chart, double score, String label, double labelY) {
    chart.addAnnotation(new AnnotationLine(score, true, false));
    chart.addAnnotation(new AnnotationText(label, score, labelY, false));
  }

  /**
   * 100 × confidence with the digits the confidence was given with: 95, 99.9, 99.99. Rounding to a
   * few digits would print a confidence of 0.9999 as 100%, a certainty no audit has.
   */
  private static String percent(double confidence) {
    return BigDecimal.valueOf(confidence).movePointRight(2).stripTrailingZeros().toPlainString();
  }

  /** Three significant digits without trailing zeros: 1e-05, 2.5e-06, 0.001, 0. */
  private static String threeDigits(double x) {
    if (x == 0) {
      return "0";
    }
    String s = String.format(Locale.ROOT, "%.3g", x);
    int e = s.indexOf('e');
    String mantissa = e < 0 ? s : s.substring(0, e);
    String exponent = e < 0 ? "" : s.substring(e);
    return (mantissa.contains(".") ? mantissa.replaceFirst("\\.?0+$", "") : mantissa) + exponent;
  }

  private static int sum(int[] a) {
    int s = 0;
    for (int x : a) {
      s += x;
    }
    return s;
  }

  private static int max(int[] a) {
    int s = 0;
    for (int x : a) {
      s = Math.max(s, x);
    }
    return s;
  }

  /**
   * Equal-width bins over the scores' range, about √m of them (between 10 and 60): enough to show
   * the shape, few enough that each bin holds several canaries. A range of zero width is widened by
   * 1/2 on each side.
   */
  record ScoreBins(double low, double width, int count) {
    static ScoreBins of(double[] scores) {
      Checks.positive("number of scores", scores.length);
      double low = Double.POSITIVE_INFINITY;
      double high = Double.NEGATIVE_INFINITY;
      for (double s : scores) {
        if (!Double.isFinite(s)) {
          throw Checks.fail("every score", "finite", s);
        }
        low = Math.min(low, s);
        high = Math.max(high, s);
      }
      if (high == low) {
        low -= 0.5;
        high += 0.5;
      }
      int count = (int) Math.max(10, Math.min(60, Math.round(Math.sqrt(scores.length))));
      return new ScoreBins(low, (high - low) / count, count);
    }

    double edge(int b) {
      return low + b * width;
    }

    /** Counts of the canaries whose membership is {@code member}, bin by bin. */
    int[] counts(double[] scores, boolean[] included, boolean member) {
      int[] c = new int[count];
      for (int k = 0; k < scores.length; k++) {
        if (included[k] == member) {
          c[(int) Math.min(count - 1, Math.floor((scores[k] - low) / width))]++;
        }
      }
      return c;
    }
  }
}
