package org.sparkdpsgd.train;

import java.util.ArrayList;
import java.util.List;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.noise.NoisePrefetcher;
import org.sparkdpsgd.noise.NoiseSource;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.Optimizer;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.PrivacyAccountant;
import org.sparkdpsgd.privacy.RdpAccountant;
import org.sparkdpsgd.sampling.SamplingKey;

/**
 * The DP-SGD loop (Abadi et al. 2016), one Spark job per step:
 *
 * <pre>
 *   sums   = treeAggregate over blocks of (Poisson sample → per-example gradients → clip → sum)
 *   charge = accountant.compose(PoissonSampled(q, Gaussian(σ)))      (before the update is used)
 *   g      = (sums + N(0, σ²C²)) / (q·N)                              (noise once, on the driver)
 *   w      = optimizer.step(w, g)
 * </pre>
 */
public final class DpSgdTrainer {
  private final DpSgdConfig config;
  private NoiseSource noise = null;
  private SamplingKey samplingKey = null;
  private ProgressListener listener = ProgressListener.NONE;
  private boolean useDouble = false;

  public DpSgdTrainer(DpSgdConfig config) {
    this.config = config;
  }

  public DpSgdTrainer listener(ProgressListener l) {
    this.listener = l;
    return this;
  }

  /** Tests only: a seeded or zero noise source from {@link NoiseSources}. */
  public DpSgdTrainer noiseSourceForTesting(NoiseSource source) {
    this.noise = source;
    return this;
  }

  /** Tests only: reproducible sampling. */
  public DpSgdTrainer samplingKeyForTesting(SamplingKey key) {
    this.samplingKey = key;
    return this;
  }

  /** Tests only: compute in double precision on the executors. */
  public DpSgdTrainer doublePrecisionForTesting(boolean b) {
    this.useDouble = b;
    return this;
  }

  /** Plans the run for this data (all checks happen here) without training. */
  public TrainingPlan plan(TrainingBlocks data) {
    return TrainingPlan.resolve(config, data.numExamples());
  }

  public TrainingResult fit(TrainingBlocks data) {
    TrainingPlan plan = plan(data);
    ModelSpec spec = config.modelSpec(data.dim(), data.numClasses());
    return fit(data, plan, spec, spec.initialParams(config.initSeed));
  }

  public TrainingResult fit(TrainingBlocks data, TrainingPlan plan, ModelSpec spec, double[] initial) {
    NoiseSource noiseSource = noise != null ? noise : NoiseSources.secure();
    SamplingKey key = samplingKey != null ? samplingKey : SamplingKey.secure();
    double[] params = initial.clone();
    Optimizer optimizer = config.optimizer.create(params.length);
    PrivacyAccountant accountant = config.accountant.create();
    RdpAccountant progressAccountant = new RdpAccountant();
    DpEvent event = plan.stepEvent();
    double clip = plan.nonPrivate() ? Double.POSITIVE_INFINITY : plan.l2NormClip();
    double stddev = plan.noiseMultiplier() * plan.l2NormClip();
    double expectedBatch = plan.expectedBatchSize();
    List<StepMetrics> metrics = new ArrayList<>();
    long start = System.nanoTime();
    StepTimings timings = new StepTimings();
    WeightAverage ema = config.emaDecay > 0 ? new WeightAverage(params, config.emaDecay) : null;
    try (NoisePrefetcher noiseAhead = new NoisePrefetcher(noiseSource, params.length, stddev)) {
    for (long t = 1; t <= plan.steps(); t++) {
      long t0 = System.nanoTime();
      StepContext ctx = new StepContext(spec, clip, plan.samplingRate(), key, t, useDouble);
      ClippedGradientAggregator sums =
          DistributedStep.run(data.rdd(), ctx, params, config.aggregationDepth);
      long t1 = System.nanoTime();
      double epsilon = Double.POSITIVE_INFINITY;
      if (!plan.nonPrivate()) {
        // Charge first: from here on the noisy update exists and must be paid for.
        accountant.compose(event);
        progressAccountant.compose(event);
        epsilon = progressAccountant.getEpsilon(plan.delta());
      }
      long t2 = System.nanoTime();
      double[] gradient = sums.gradientSum();
      if (!plan.nonPrivate()) {
        noiseAhead.addNoise(gradient);
      }
      long t3 = System.nanoTime();
      for (int k = 0; k < gradient.length; k++) {
        gradient[k] /= expectedBatch;
      }
      if (config.cosineSchedule) {
        // Scaling the gradient scales the step for SGD and momentum (Adam is scale-free: its
        // schedule would need the rate itself; documented as SGD/momentum only).
        double factor = 0.5 * (1 + Math.cos(Math.PI * (t - 1) / plan.steps()));
        for (int k = 0; k < gradient.length; k++) {
          gradient[k] *= factor;
        }
      }
      optimizer.step(params, gradient);
      if (ema != null) {
        ema.update(params);
      }
      timings.add(t1 - t0, t2 - t1, t3 - t2, System.nanoTime() - t3);
      double elapsed = (System.nanoTime() - start) / 1e9;
      StepMetrics m = new StepMetrics(t, plan.steps(), sums.lossSum() / expectedBatch, epsilon,
          elapsed, expectedBatch * t / elapsed);
      metrics.add(m);
      listener.onStep(m);
    }
    }
    double wall = (System.nanoTime() - start) / 1e9;
    if (ema != null) {
      params = ema.average();
    }
    double finalEpsilon = plan.nonPrivate() ? Double.POSITIVE_INFINITY : accountant.getEpsilon(plan.delta());
    PrivacyReport report = new PrivacyReport(finalEpsilon, plan.delta(), config.accountant.name().toLowerCase(),
        plan.noiseMultiplier(), plan.l2NormClip(), plan.samplingRate(), plan.expectedBatchSize(),
        plan.steps(), plan.epochs(), plan.numExamples(), noiseSource.secure() && !plan.nonPrivate(),
        plan.nonPrivate());
    return new TrainingResult(spec, params, report, metrics, wall, timings);
  }
}
