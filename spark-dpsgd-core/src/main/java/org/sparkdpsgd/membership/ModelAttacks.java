package org.sparkdpsgd.membership;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkdpsgd.train.TrainingResult;

/**
 * The attacks on one target model.
 *
 * @param model {@link MembershipInference#PRIVATE} or {@link MembershipInference#NON_PRIVATE}
 * @param target the attacked model, trained on the member half
 * @param lossAttack the loss attack (Yeom et al. 2018): score −loss
 * @param calibratedAttack offline LiRA (Carlini et al. 2022) against {@code referenceModels}
 *     reference models; null when there were none
 * @param referenceModels 0, or the number of reference models trained with this model's recipe
 */
public record ModelAttacks(
    String model,
    TrainingResult target,
    RocCurve lossAttack,
    RocCurve calibratedAttack,
    int referenceModels) {
  public static final String LOSS = "loss";
  public static final String OFFLINE_LIRA = "offline LiRA";

  public ModelAttacks {
    if ((calibratedAttack == null) != (referenceModels == 0)) {
      throw new IllegalArgumentException(
          "a calibrated attack needs reference models and vice versa; provided: "
              + referenceModels
              + " reference models, calibrated attack "
              + (calibratedAttack == null ? "absent" : "present"));
    }
  }

  /** "model loss" and, with reference models, "model offline LiRA". */
  public Map<String, RocCurve> curves() {
    Map<String, RocCurve> curves = new LinkedHashMap<>();
    curves.put(model + " " + LOSS, lossAttack);
    if (calibratedAttack != null) {
      curves.put(model + " " + OFFLINE_LIRA, calibratedAttack);
    }
    return curves;
  }
}
