package org.sparkdpsgd.jobs;

import java.util.ArrayList;
import java.util.List;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * {@code dpsgd repeat --grid KEY=V1,V2,...}: every combination of the listed values, as lists of
 * {@code key=value} overrides. Only training.* and privacy.* settings vary: the data and the
 * model's fixed layers are read and computed once for all variants.
 */
final class RepeatGrid {
  private RepeatGrid() {}

  static List<List<String>> combinations(List<String> axes) {
    List<List<String>> out = new ArrayList<>();
    out.add(List.of());
    for (String axis : axes) {
      int eq = axis.indexOf('=');
      String key = eq < 0 ? "" : axis.substring(0, eq).strip();
      if (!key.startsWith("training.") && !key.startsWith("privacy.")) {
        throw new InvalidInputException(
            "--grid takes KEY=V1,V2,... for a training.* or privacy.* setting; provided value: "
                + axis);
      }
      String[] values = axis.substring(eq + 1).split(",", -1);
      List<List<String>> next = new ArrayList<>();
      for (List<String> prefix : out) {
        for (String v : values) {
          if (v.isBlank()) {
            throw new InvalidInputException("--grid " + axis + ": an empty value");
          }
          List<String> combo = new ArrayList<>(prefix);
          combo.add(key + "=" + v.strip());
          next.add(combo);
        }
      }
      out = next;
    }
    return out;
  }
}
