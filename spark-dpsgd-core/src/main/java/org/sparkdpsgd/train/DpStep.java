package org.sparkdpsgd.train;

import java.util.function.Consumer;
import org.sparkdpsgd.optim.Optimizer;

/**
 * The driver's half of one DP-SGD step (Abadi et al. 2016, Algorithm 1), given the clipped sum the
 * cluster returned. {@link #apply} reads as the algorithm; the order is what the privacy argument
 * needs: the step is charged before its noisy update exists outside this method, noise is added
 * once, and the sum is divided by the EXPECTED batch size q·N (the realised sample size depends on
 * who is in the data, so dividing by it would leak), or with microbatches by their number M.
 */
final class DpStep {
  private final PrivacyCharge charge;
  private final Consumer<double[]> addNoise;
  private final double divisor;
  private final LearningRateSchedule schedule;
  private final long steps;
  private final Optimizer optimizer;
  private final WeightAverage average;
  private final SumAudit audit;
  private final StepTimings timings;

  /**
   * @param addNoise adds N(0, σ²Δ²) to every coordinate, Δ the sum's sensitivity (a no-op for the
   *     non-private baseline)
   * @param divisor what the noisy sum is divided by: q·N, or M with microbatches
   * @param average the weight average to update (post-processing), or null
   * @param audit sees the noisy sum, canaries' coordinates included, before it is used; or null
   */
  DpStep(
      PrivacyCharge charge,
      Consumer<double[]> addNoise,
      double divisor,
      LearningRateSchedule schedule,
      long steps,
      Optimizer optimizer,
      WeightAverage average,
      SumAudit audit,
      StepTimings timings) {
    this.charge = charge;
    this.addNoise = addNoise;
    this.divisor = divisor;
    this.schedule = schedule;
    this.steps = steps;
    this.optimizer = optimizer;
    this.average = average;
    this.audit = audit;
    this.timings = timings;
  }

  /**
   * Step t: updates {@code params} in place from the clipped sum (which it overwrites). With an
   * audit the sum is longer than {@code params}: its tail is the canaries' coordinates.
   */
  void apply(long t, double[] clippedSum, double[] params) {
    long t0 = System.nanoTime();
    charge.chargeStep();
    long t1 = System.nanoTime();
    addNoise.accept(clippedSum);
    long t2 = System.nanoTime();
    if (audit != null) {
      // the canaries' coordinates follow the model's; the optimizers read params.length of them
      audit.observe(t, clippedSum, params.length);
    }
    scale(clippedSum, 1.0 / divisor);
    optimizer.step(params, clippedSum, schedule.factor(t, steps));
    if (average != null) {
      average.update(params);
    }
    timings.addDriver(t1 - t0, t2 - t1, System.nanoTime() - t2);
  }

  private static void scale(double[] v, double factor) {
    for (int k = 0; k < v.length; k++) {
      v[k] *= factor;
    }
  }
}
