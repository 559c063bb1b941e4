package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The driver's half of a step on its own, without Spark: the order charge → noise once → divide by
 * the expected batch → schedule → optimizer step, with exact values.
 */
class DpStepTest {
  private static TrainingPlan plan(boolean nonPrivate) {
    DpSgdConfig c =
        new DpSgdConfig().l2NormClip(1).expectedBatchSize(50).steps(10).nonPrivate(nonPrivate);
    if (!nonPrivate) {
      c.noiseMultiplier(1.1);
    }
    return TrainingPlan.resolve(c, 1000);
  }

  /** Records when noise is added, and what the accountant had charged by then. */
  private static final class RecordingNoise implements java.util.function.Consumer<double[]> {
    final List<Long> chargedWhenCalled = new ArrayList<>();
    final PrivacyCharge charge;
    final double value;

    RecordingNoise(PrivacyCharge charge, double value) {
      this.charge = charge;
      this.value = value;
    }

    @Override
    public void accept(double[] v) {
      chargedWhenCalled.add(charge.charged());
      for (int k = 0; k < v.length; k++) {
        v[k] += value;
      }
    }
  }

  @Test
  void chargesThenAddsNoiseOnceThenDividesByTheExpectedBatch() {
    TrainingPlan plan = plan(false);
    PrivacyCharge charge = new PrivacyCharge(plan, AccountantKind.RDP);
    RecordingNoise noise = new RecordingNoise(charge, 0.5);
    double[] params = {1.0, -2.0};
    DpStep step =
        new DpStep(
            charge,
            noise,
            plan.expectedBatchSize(),
            LearningRateSchedule.CONSTANT,
            plan.steps(),
            OptimizerSpec.sgd(0.2).create(2),
            null,
            null,
            new StepTimings());
    step.apply(1, new double[] {4.5, -9.5}, params);
    // w − η (sum + noise) / (q·N), with q·N = 50.
    assertArrayEquals(new double[] {1.0 - 0.2 * 5.0 / 50, -2.0 - 0.2 * -9.0 / 50}, params, 1e-15);
    assertEquals(
        List.of(1L), noise.chargedWhenCalled, "noise added once, after the step was charged");
    double oneStep = AccountantKind.RDP.create().compose(plan.stepEvent(), 1).getEpsilon(1e-5);
    assertEquals(oneStep, charge.epsilon(1e-5), 1e-12);
    step.apply(2, new double[] {0, 0}, params);
    assertEquals(List.of(1L, 2L), noise.chargedWhenCalled);
    assertEquals(2, charge.charged());
  }

  @Test
  void cosineScheduleScalesTheStepAndTheAverageFollowsTheReleasedWeights() {
    TrainingPlan plan = plan(false);
    PrivacyCharge charge = new PrivacyCharge(plan, AccountantKind.RDP);
    double[] params = {0.0};
    WeightAverage average = new WeightAverage(params, 0.5);
    DpStep step =
        new DpStep(
            charge,
            v -> {},
            plan.expectedBatchSize(),
            LearningRateSchedule.COSINE,
            plan.steps(),
            OptimizerSpec.sgd(1.0).create(1),
            average,
            null,
            new StepTimings());
    step.apply(6, new double[] {50.0}, params); // factor ½ (1 + cos(π·5/10)) = ½
    assertEquals(-0.5, params[0], 1e-15);
    assertEquals(
        -0.5,
        average.average()[0],
        1e-15,
        "the bias-corrected average of one update is that update");
  }

  @Test
  void nonPrivateRunsCountStepsAndChargeNothing() {
    TrainingPlan plan = plan(true);
    PrivacyCharge charge = new PrivacyCharge(plan, AccountantKind.RDP);
    new DpStep(
            charge,
            v -> {},
            plan.expectedBatchSize(),
            LearningRateSchedule.CONSTANT,
            plan.steps(),
            OptimizerSpec.sgd(0.1).create(1),
            null,
            null,
            new StepTimings())
        .apply(1, new double[] {1}, new double[] {0});
    assertEquals(1, charge.charged());
    assertTrue(Double.isInfinite(charge.epsilon(1e-5)));
  }

  @Test
  void zeroNoiseIsRefusedUnlessTheRunIsNonPrivate() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                TrainingPlan.resolve(
                    new DpSgdConfig().noiseMultiplier(0).expectedBatchSize(50).steps(10), 1000));
    assertTrue(
        e.getMessage().contains("noiseMultiplier") && e.getMessage().contains("0.0"),
        e.getMessage());
    assertTrue(
        TrainingPlan.resolve(
                new DpSgdConfig().nonPrivate(true).expectedBatchSize(50).steps(10), 1000)
            .nonPrivate());
  }

  /**
   * Adam under the cosine schedule: its step shrinks by the schedule's factor (scaling Adam's
   * gradient would change nothing, which is why the factor goes to the rate). At step 6 of 10 the
   * factor is ½; Adam's first step is ±rate whatever the gradient's size.
   */
  @Test
  void cosineWithAdamScalesAdamsStep() {
    DpSgdConfig c =
        new DpSgdConfig()
            .noiseMultiplier(1)
            .expectedBatchSize(50)
            .steps(10)
            .cosineSchedule(true)
            .optimizer(new OptimizerSpec("adam", 0.01, 0, 0.9, 0.999, 1e-8));
    TrainingPlan plan = TrainingPlan.resolve(c, 1000);
    double[] params = {0.0, 0.0};
    new DpStep(
            new PrivacyCharge(plan, AccountantKind.RDP),
            v -> {},
            plan.expectedBatchSize(),
            LearningRateSchedule.COSINE,
            plan.steps(),
            c.optimizer().create(2),
            null,
            null,
            new StepTimings())
        .apply(6, new double[] {50.0, -5000.0}, params);
    assertEquals(-0.005, params[0], 1e-9);
    assertEquals(0.005, params[1], 1e-9);
  }
}
