package org.sparkdpsgd.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.sparkdpsgd.train.Evaluation;
import org.sparkdpsgd.train.TrainingResult;

/** Writes a train run's plots and report.html into its output directory (any Hadoop path). */
final class RunReportFiles {
  private RunReportFiles() {}

  /** Returns the names of the files written. */
  static List<String> write(
      OutputWriter.OutputDir out,
      TrainingResult r,
      Evaluation test,
      List<RunCurves.Point> curves,
      List<String> warnings,
      String ledgerPosition,
      String initFrom)
      throws IOException {
    boolean lm = test != null ? test.languageModel() : r.spec().numClasses() == 0;
    Map<String, XYChart> charts = RunPlots.charts(r, curves, lm);
    List<String> written = new ArrayList<>();
    for (Map.Entry<String, XYChart> e : charts.entrySet()) {
      try (OutputStream o = out.fs().create(out.file(e.getKey()), true)) {
        RunPlots.writePng(e.getValue(), o);
      }
      written.add(e.getKey());
    }
    String html =
        RunReportHtml.page(
            r, test, warnings, List.copyOf(charts.keySet()), ledgerPosition, initFrom);
    try (OutputStream o = out.fs().create(out.file("report.html"), true)) {
      o.write(html.getBytes(StandardCharsets.UTF_8));
    }
    written.add("report.html");
    return written;
  }
}
