package org.sparkdpsgd.membership;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link MembershipInference} run found.
 *
 * @param dp the attacks on the DP model
 * @param nonPrivate the attacks on the same recipe trained without clipping and noise: NO privacy
 *     guarantee
 * @param population the rows the members, non-members and reference data were drawn from
 * @param trainingSeconds the time all models (targets and references) took to train
 * @param scoringSeconds the time scoring the attack examples under all models took
 */
public record MembershipInferenceResult(
    ModelAttacks dp,
    ModelAttacks nonPrivate,
    long population,
    double trainingSeconds,
    double scoringSeconds) {

  /**
   * Every attack's ROC curve, named "model attack" ("DP-SGD loss", "DP-SGD offline LiRA",
   * "non-private loss", ...), the DP model's first: what {@link RocPlot#writePng} draws.
   */
  public Map<String, RocCurve> curves() {
    Map<String, RocCurve> curves = new LinkedHashMap<>(dp.curves());
    curves.putAll(nonPrivate.curves());
    return curves;
  }
}
