package org.sparkdpsgd.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.ExactSum;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.FixedFeatures;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.noise.NoisePrefetcher;
import org.sparkdpsgd.noise.NoiseSource;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.Optimizer;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.PrivacyAccountant;
import org.sparkdpsgd.privacy.RdpAccountant;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.util.InvalidInputException;

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

  /**
   * Trains {@code spec} from {@code initial}. Fixed leading layers (a scattering network) are
   * computed once per example here and cached; the steps then train the rest of the network on
   * those features. The result is the whole model (the fixed layers have no parameters).
   */
  public TrainingResult fit(TrainingBlocks data, TrainingPlan plan, ModelSpec spec, double[] initial) {
    // Checkpoints are checked first: a mismatch fails, and a finished run returns, before any work.
    Resume resume = openCheckpoints(data, plan, spec);
    if (spec.fixedLayers() == 0) {
      return fitTrainable(data, plan, spec, initial, resume);
    }
    if (resume.latest() != null && resume.latest().complete()) {
      return fitTrainable(data, plan, spec.trainable(), initial, resume).withSpec(spec);
    }
    try (TrainingBlocks features = fixedFeatures(data, spec)) {
      return fitTrainable(features, plan, spec.trainable(), initial, resume).withSpec(spec);
    }
  }

  /**
   * {@code data} mapped once through the model's fixed leading layers and cached (the caller
   * closes it), with a note before and after; the steps then train {@code spec.trainable()}.
   */
  public TrainingBlocks fixedFeatures(TrainingBlocks data, ModelSpec spec) {
    long t0 = System.nanoTime();
    FixedFeatures fixed = new FixedFeatures(spec);
    listener.onNote("computing the fixed layers " + fixed.describe() + " once for " + data.numExamples()
        + " examples ...");
    TrainingBlocks features = data.withFixedFeatures(fixed);
    listener.onNote(String.format(java.util.Locale.ROOT, "fixed layers %s: %d features per example, computed once in %.1f s",
        fixed.describe(), features.dim(), (System.nanoTime() - t0) / 1e9));
    return features;
  }

  /**
   * The checkpoint directory (if any), this run's fingerprint (of the whole model, fixed layers
   * included), the newest readable checkpoint and the largest charge any checkpoint file records.
   */
  private record Resume(CheckpointStore store, ObjectNode run, Checkpoint latest, long recordedCharge) {}

  private Resume openCheckpoints(TrainingBlocks data, TrainingPlan plan, ModelSpec spec) {
    ObjectNode run = Checkpoint.fingerprint(config, plan, spec.describe(), spec.numParams());
    if (config.checkpointDir == null) {
      return new Resume(null, run, null, 0);
    }
    CheckpointStore store = new CheckpointStore(config.checkpointDir, data.rdd().context().hadoopConfiguration());
    Checkpoint latest = store.latest();
    if (latest != null) {
      String mismatch = latest.mismatch(run);
      if (mismatch != null) {
        throw new InvalidInputException("checkpoint directory " + store.location() + " holds a checkpoint of a"
            + " different run (" + mismatch + "); use an empty directory for a new run");
      }
    }
    return new Resume(store, run, latest, store.largestRecordedCharge());
  }

  private TrainingResult fitTrainable(
      TrainingBlocks data, TrainingPlan plan, ModelSpec spec, double[] initial, Resume resume) {
    NoiseSource noiseSource = noise != null ? noise : NoiseSources.secure();
    SamplingKey key = samplingKey != null ? samplingKey : SamplingKey.secure();
    double[] params = initial.clone();
    Optimizer optimizer = config.optimizer.create(params.length);
    PrivacyAccountant accountant = config.accountant.create();
    RdpAccountant progressAccountant = new RdpAccountant();
    DpEvent event = plan.stepEvent();
    double clip = plan.nonPrivate() ? Double.POSITIVE_INFINITY : plan.l2NormClip();
    // σ times the sensitivity of the released sum: C plus the fixed-point rounding (ExactSum),
    // a relative 1e-9 or less for any dataset that fits a cluster.
    StepContext grid = new StepContext(spec, clip, plan.samplingRate(), key, 0, useDouble, plan.numExamples());
    double stddev = plan.noiseMultiplier()
        * ExactSum.sensitivity(plan.l2NormClip(), spec.numParams(), grid.fixedPointUnit());
    double expectedBatch = plan.expectedBatchSize();
    List<StepMetrics> metrics = new ArrayList<>();
    long start = System.nanoTime();
    StepTimings timings = new StepTimings();
    WeightAverage ema = config.emaDecay > 0 ? new WeightAverage(params, config.emaDecay) : null;

    CheckpointStore store = resume.store();
    ObjectNode run = resume.run();
    long firstStep = 1;
    // Steps composed into the accountant: the planned ones plus, after a crash, those the lost
    // attempt may have released (charged again: their noisy updates existed). A checkpoint file
    // that cannot be read still counts with the charge its name records.
    Checkpoint resumed = resume.latest();
    long charged = Math.max(resume.recordedCharge(), resumed == null ? 0 : resumed.chargedSteps());
    if (!plan.nonPrivate() && charged > 0) {
      accountant.compose(event, Math.toIntExact(charged));
      progressAccountant.compose(event, Math.toIntExact(charged));
    }
    if (resumed == null && charged > 0) {
      listener.onNote("no readable checkpoint in " + store.location() + ", but its files record " + charged
          + " charged steps: starting from the first step with those charged");
    }
    if (resumed != null) {
      params = resumed.params().clone();
      optimizer.restore(resumed.optimizerState());
      if (ema != null) {
        ema.restore(resumed.emaSum(), resumed.emaWeight());
      }
      metrics.addAll(resumed.metrics());
      firstStep = resumed.step() + 1;
      listener.onNote(resumed.complete()
          ? "checkpoint in " + store.location() + ": this run is complete (" + resumed.step() + " steps); nothing to do"
          : String.format(java.util.Locale.ROOT, "resuming from the checkpoint in %s after step %d; %d steps already"
              + " charged (%d of them released by the interrupted attempt after its last checkpoint)",
              store.location(), resumed.step(), charged, charged - resumed.step()));
    }
    long steps = plan.steps();
    try (NoisePrefetcher noiseAhead = new NoisePrefetcher(noiseSource, params.length, stddev)) {
    for (long t = firstStep; t <= steps; t++) {
      if (store != null && (t == firstStep || (t - 1) % config.checkpointEvery == 0)) {
        // Reserve the steps up to the next checkpoint BEFORE running them.
        long ahead = Math.min(config.checkpointEvery - (t - 1) % config.checkpointEvery, steps - t + 1);
        store.write(Checkpoint.of(run, t - 1, charged + ahead, false, params, optimizer, ema, metrics));
      }
      long t0 = System.nanoTime();
      StepContext ctx = new StepContext(spec, clip, plan.samplingRate(), key, t, useDouble, plan.numExamples());
      ClippedGradientAggregator sums =
          DistributedStep.run(data.rdd(), ctx, params, config.aggregationDepth);
      long t1 = System.nanoTime();
      double epsilon = Double.POSITIVE_INFINITY;
      charged++;
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
        double factor = 0.5 * (1 + Math.cos(Math.PI * (t - 1) / steps));
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
      StepMetrics m = new StepMetrics(t, steps, sums.lossSum() / expectedBatch, epsilon,
          elapsed, expectedBatch * (t - firstStep + 1) / elapsed);
      metrics.add(m);
      listener.onStep(m);
    }
    }
    if (store != null && (resumed == null || !resumed.complete())) {
      store.write(Checkpoint.of(run, steps, charged, true, params, optimizer, ema, metrics));
    }
    double wall = (System.nanoTime() - start) / 1e9;
    if (ema != null) {
      params = ema.average();
    }
    double finalEpsilon = plan.nonPrivate() ? Double.POSITIVE_INFINITY : accountant.getEpsilon(plan.delta());
    PrivacyReport report = new PrivacyReport(finalEpsilon, plan.delta(), config.accountant.name().toLowerCase(),
        plan.noiseMultiplier(), plan.l2NormClip(), plan.samplingRate(), plan.expectedBatchSize(),
        charged, charged * plan.samplingRate(), plan.numExamples(), noiseSource.secure() && !plan.nonPrivate(),
        plan.nonPrivate());
    return new TrainingResult(spec, params, report, metrics, wall, timings);
  }
}
