package org.sparkdpsgd.audit;

import java.util.Locale;
import java.util.SortedMap;

/**
 * The console summary: mean exposure per insertion count and model, with the scale's two ends (the
 * chance level and log2 |R|). It shows no secrets.
 */
public final class ExposureTable {
  private ExposureTable() {}

  public static String format(ExposureReport report) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "Mean exposure (bits) of canaries \"%s\": log2|R| = %.2f, chance level = %.2f%n",
            report.plan().format().describe(),
            report.log2SpaceSize(),
            report.chanceLevel()));
    sb.append(String.format(Locale.ROOT, "%10s", "insertions"));
    for (ModelExposures m : report.models()) {
      sb.append(String.format(Locale.ROOT, "  %14s", m.model()));
      if (m.fit().isPresent()) {
        sb.append(String.format(Locale.ROOT, "  %14s", "(extrapolated)"));
      }
    }
    sb.append(System.lineSeparator());
    for (int count : report.plan().insertionCounts()) {
      sb.append(String.format(Locale.ROOT, "%10d", count));
      for (ModelExposures m : report.models()) {
        sb.append(cell(m.meanExposureByInsertions(), count));
        if (m.fit().isPresent()) {
          sb.append(cell(m.meanExtrapolatedExposureByInsertions(), count));
        }
      }
      sb.append(System.lineSeparator());
    }
    return sb.toString();
  }

  private static String cell(SortedMap<Integer, Double> means, int count) {
    return String.format(Locale.ROOT, "  %14.2f", means.get(count));
  }
}
