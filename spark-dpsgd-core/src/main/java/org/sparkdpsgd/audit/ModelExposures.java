package org.sparkdpsgd.audit;

import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The canaries' exposures under one model (the DP one, or the same recipe without privacy).
 *
 * @param model the model's name in reports, such as "DP-SGD" or "non-private"
 * @param method how ranks were found
 * @param candidatesScored |R| for the exact method; the sample's size for the sampled one
 * @param fit the skew-normal fitted to sampled candidates' scores; absent when the exact method
 *     made no fit
 * @param canaries one result per canary of the plan, in the plan's order
 */
public record ModelExposures(
    String model,
    Method method,
    long candidatesScored,
    Optional<SkewNormal> fit,
    List<CanaryExposure> canaries) {
  public enum Method {
    /** Every candidate in R was scored. */
    EXACT,
    /** A uniform sample of R, drawn without replacement, was scored. */
    SAMPLED
  }

  public ModelExposures {
    canaries = List.copyOf(canaries);
  }

  /** Mean exposure (exact or empirical) of the canaries inserted each number of times. */
  public SortedMap<Integer, Double> meanExposureByInsertions() {
    return meanBy(CanaryExposure::exposure);
  }

  /** Mean extrapolated exposure per insertion count; empty when no fit was made. */
  public SortedMap<Integer, Double> meanExtrapolatedExposureByInsertions() {
    return fit.isPresent() ? meanBy(CanaryExposure::extrapolatedExposure) : new TreeMap<>();
  }

  /**
   * Mean exposure of the canaries inserted at least {@code minInsertions} times (the check
   * looks at 16 and more); NaN when there are none.
   */
  public double meanExposureOfCanariesInsertedAtLeast(int minInsertions) {
    return canaries.stream()
        .filter(c -> c.canary().insertions() >= minInsertions)
        .mapToDouble(CanaryExposure::exposure)
        .average()
        .orElse(Double.NaN);
  }

  private SortedMap<Integer, Double> meanBy(ToDoubleFunction<CanaryExposure> value) {
    SortedMap<Integer, double[]> sums = new TreeMap<>();
    for (CanaryExposure c : canaries) {
      double[] s = sums.computeIfAbsent(c.canary().insertions(), k -> new double[2]);
      s[0] += value.applyAsDouble(c);
      s[1]++;
    }
    SortedMap<Integer, Double> means = new TreeMap<>();
    sums.forEach((count, s) -> means.put(count, s[0] / s[1]));
    return means;
  }

  @Override
  public String toString() {
    return "ModelExposures(" + model + ", " + method + ", " + canaries.size() + " canaries)";
  }
}
