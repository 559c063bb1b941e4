package org.sparkdpsgd.audit;

import java.util.List;
import org.sparkdpsgd.util.Checks;

/**
 * A Secret Sharer experiment's outcome: the canaries and their exposures under each model audited
 * (typically the DP model and the same recipe trained without privacy).
 */
public record ExposureReport(CanaryPlan plan, List<ModelExposures> models) {
  public ExposureReport {
    models = List.copyOf(models);
    Checks.require(!models.isEmpty(), "an exposure report needs at least one model");
    for (ModelExposures m : models) {
      Checks.require(
          m.canaries().size() == plan.canaries().size(),
          "model "
              + m.model()
              + " has results for "
              + m.canaries().size()
              + " canaries, not "
              + plan.canaries().size());
    }
  }

  public double log2SpaceSize() {
    return plan.format().log2SpaceSize();
  }

  /** The mean exposure of a canary under a model that has learnt nothing about it. */
  public double chanceLevel() {
    return Exposure.chanceLevel(plan.format().spaceSize());
  }

  @Override
  public String toString() {
    return "ExposureReport(" + plan + ", " + models + ")";
  }
}
