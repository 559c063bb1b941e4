package org.sparkdpsgd.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * TESTING ONLY: a build that lies, so that the privacy audit can show it catches one (Tramèr et al.
 * 2022, "Debugging Differential Privacy"; Nasr et al. 2023). Deliberately JVM system properties,
 * not config keys or CLI options: {@code -Ddpsgd.testing.lie-noise-scale=s} (0 < s < 1) adds s·σ
 * noise while the report still claims σ and its ε; {@code -Ddpsgd.testing.lie-skip-clipping=true}
 * leaves every gradient unclipped while the noise and the report still assume clip C. Unlike the
 * reproducibility hooks of the CLI, the report is NOT marked: a lie the audit is to catch must look
 * like an honest run from the outside. The run's console still says it, so nobody trains a model
 * with it unknowingly.
 */
public final class TestingLies {
  public static final String NOISE_SCALE = "dpsgd.testing.lie-noise-scale";
  public static final String SKIP_CLIPPING = "dpsgd.testing.lie-skip-clipping";

  private TestingLies() {}

  /** The factor the added noise is really multiplied by (1 unless lying). */
  static double noiseScale() {
    String s = System.getProperty(NOISE_SCALE);
    if (s == null) {
      return 1.0;
    }
    double scale;
    try {
      scale = Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInputException(
          "-D" + NOISE_SCALE + " must be a number; provided value: " + s);
    }
    if (!(scale > 0 && scale <= 1)) {
      throw new InvalidInputException(
          "-D" + NOISE_SCALE + " must be in (0, 1]; provided value: " + s);
    }
    return scale;
  }

  static boolean skipClipping() {
    return Boolean.parseBoolean(System.getProperty(SKIP_CLIPPING, "false"));
  }

  /** What the set lies do, for the console; empty when the build is honest. */
  static List<String> describe() {
    List<String> lies = new ArrayList<>();
    double scale = noiseScale();
    if (scale != 1.0) {
      lies.add(
          String.format(
              Locale.ROOT,
              "adds %s x the reported noise (-D%s)",
              Double.toString(scale),
              NOISE_SCALE));
    }
    if (skipClipping()) {
      lies.add("skips clipping (-D" + SKIP_CLIPPING + ")");
    }
    return lies;
  }
}
