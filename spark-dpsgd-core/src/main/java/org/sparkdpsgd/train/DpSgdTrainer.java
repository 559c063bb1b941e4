package org.sparkdpsgd.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.ExactSum;
import org.sparkdpsgd.aggregate.FeatureStatistics;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.ledger.BudgetLedger;
import org.sparkdpsgd.ledger.ConfigFingerprint;
import org.sparkdpsgd.model.FeatureLayout;
import org.sparkdpsgd.model.FeatureTransform;
import org.sparkdpsgd.model.FixedFeatures;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.noise.NoisePrefetcher;
import org.sparkdpsgd.noise.NoiseSource;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.Optimizer;
import org.sparkdpsgd.privacy.PrivacyLedger;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The DP-SGD loop (Abadi et al. 2016):
 *
 * <pre>
 *   sums   = Σ over blocks of (Poisson sample → per-example gradients → clip → sum)
 *            (resident tasks or one Spark job per step: {@link ClusterSteps})
 *   charge = accountant.compose(PoissonSampled(q, Gaussian(σ)))      (before the update is used)
 *   g      = (sums + N(0, σ²C²)) / (q·N)                              (noise once, on the driver)
 *   w      = optimizer.step(w, g)                                      ({@link DpStep})
 * </pre>
 *
 * With M microbatches (TF Privacy's num_microbatches) the sums are Σ_j clip(mean of microbatch j),
 * the charge is for Gaussian(σ/2) (sensitivity 2C, {@link TrainingPlan}) and g divides by M.
 *
 * <p>Resuming from checkpoints and the charge reservations they carry are in {@link
 * CheckpointedRun}; the reservation in a budget shared across runs ({@link #ledger}) is made in
 * {@link #fit} before the first step.
 *
 * <p>With feature normalisation (σ_n > 0, {@link FeatureNormalisation}) the features the trained
 * layers see are centred and whitened by statistics released once before the first step (charged
 * once, composed with the steps), and the transform is folded into the first dense layer of every
 * model handed out, so the model takes the raw features.
 */
public final class DpSgdTrainer {
  private final DpSgdConfig config;
  private NoiseSource noise = null;
  private SamplingKey samplingKey = null;
  private ProgressListener listener = ProgressListener.NONE;
  private boolean useDouble = false;
  private boolean drawNoiseAhead = true;
  private SumAudit audit = null;
  private ModelSnapshots snapshots = null;
  private int snapshotCount = 0;
  private PrivacyLedger ledger = null;
  private FeatureLayout featureLayout = null;

  /** Most channels whose C × C second moment feature normalisation whitens. */
  static final int MAX_WHITENED_CHANNELS = 2048;

  public DpSgdTrainer(DpSgdConfig config) {
    this.config = config;
  }

  public DpSgdTrainer listener(ProgressListener l) {
    this.listener = l;
    return this;
  }

  /**
   * Hands {@code count} snapshots of the model, at evenly spaced steps ending with the last, to
   * {@code receiver} (for test-set curves; 0 turns them off).
   */
  public DpSgdTrainer snapshots(int count, ModelSnapshots receiver) {
    if (count < 0) {
      throw Checks.fail("the number of model snapshots", ">= 0", count);
    }
    this.snapshotCount = count;
    this.snapshots = receiver;
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

  /**
   * Whether the next step's noise is drawn on a background thread while the step runs (true, the
   * default) or on the driver's thread when it is added; the bench compares the two.
   */
  public DpSgdTrainer noiseAhead(boolean ahead) {
    this.drawNoiseAhead = ahead;
    return this;
  }

  /**
   * Audits only: gradient canaries riding along with every step's clipped sum ({@link SumAudit}).
   * An audited run cannot resume from checkpoints: the canaries' scores would miss the steps before
   * the restart.
   */
  public DpSgdTrainer audit(SumAudit a) {
    this.audit = a;
    return this;
  }

  /**
   * A privacy budget shared with other runs ({@link BudgetLedger#forRun}; without this call, the
   * ledger the config names, if any, fingerprinted by the run's settings): before the first step
   * the run reserves every step it will charge there, or is refused (an {@link
   * InvalidInputException}) when the budget cannot take them. An attempt that fails before it
   * charged a step releases its reservation; a completed run settles it. Resumed attempts reserve
   * only what their checkpoints' crash charge adds.
   */
  public DpSgdTrainer ledger(PrivacyLedger l) {
    this.ledger = l;
    return this;
  }

  /**
   * The channel layout of the features feature normalisation whitens, for a caller that applied the
   * model's fixed layers itself and passes {@link #fit(TrainingBlocks, TrainingPlan, ModelSpec,
   * double[])} the trainable part only ({@link FeatureLayout#of} of the whole model). Without this
   * call the layout comes from the spec given to fit.
   */
  public DpSgdTrainer featureLayout(FeatureLayout layout) {
    this.featureLayout = layout;
    return this;
  }

  /** Plans the run for this data (all checks happen here) without training. */
  public TrainingPlan plan(TrainingBlocks data) {
    return data.byUser()
        ? TrainingPlan.resolve(config, data.numUsers(), true)
        : TrainingPlan.resolve(config, data.numExamples());
  }

  public TrainingResult fit(TrainingBlocks data) {
    TrainingPlan plan = plan(data);
    ModelSpec spec = config.modelSpec(data.dim(), data.numClasses());
    return fit(
        data,
        plan,
        spec,
        config.initialParams(spec, config.initSeed, data.rdd().context().hadoopConfiguration()));
  }

  /**
   * Trains {@code spec} from {@code initial}. Fixed leading layers (a scattering network) are
   * computed once per example here and cached; the steps then train the rest of the network on
   * those features. The result is the whole model (the fixed layers have no parameters).
   */
  public TrainingResult fit(
      TrainingBlocks data, TrainingPlan plan, ModelSpec spec, double[] initial) {
    // Checkpoints are checked first: a mismatch fails, and a finished run returns, before any work.
    plan.checkMicrobatchMemory(spec.numParams());
    if (audit != null && config.checkpointDir != null) {
      throw new InvalidInputException(
          "an audited run cannot use checkpoints (checkpoint directory "
              + config.checkpointDir
              + "): the canaries' scores would miss the steps before a restart");
    }
    if (audit != null && plan.userLevel()) {
      // The canaries are example-level gradients; a user-level run releases clipped user means.
      throw new InvalidInputException(
          "an audited run must be example-level: unset data.user-col (MLlib userCol); the audit's"
              + " canaries measure per-example clipping");
    }
    if (audit != null && plan.numMicrobatches() > 0) {
      // The canaries are clipped as single examples; with microbatches the released sum clips
      // means, so the audit would measure a different mechanism than the run's.
      throw new InvalidInputException(
          "an audited run must clip per example: set training.num-microbatches = 0 (provided"
              + " value: "
              + plan.numMicrobatches()
              + ")");
    }
    FeatureLayout layout = plan.normalises() ? checkNormalisation(plan, spec) : null;
    CheckpointedRun.Resume resume = openCheckpoints(data, plan, spec);
    PrivacyCharge charge = new PrivacyCharge(plan, config.accountant);
    PrivacyLedger.Reservation held = reserve(data, plan, resume);
    TrainingResult result;
    try {
      if (held != null) {
        listener.onNote(held.describe());
      }
      result = fitResumed(data, plan, spec, layout, initial, resume, charge);
    } catch (RuntimeException | Error e) {
      if (held != null && charge.chargedByThisAttempt() == 0) {
        try {
          held.release(); // no noisy update of this attempt exists
        } catch (RuntimeException r) {
          e.addSuppressed(r);
        }
      }
      throw e;
    }
    if (held != null) {
      held.settle(charge.charged());
    }
    return result;
  }

  /**
   * Refuses, before any privacy is spent, what feature normalisation does not support yet; returns
   * the layout of the features it normalises.
   */
  private FeatureLayout checkNormalisation(TrainingPlan plan, ModelSpec spec) {
    String value = "; provided value: " + plan.normalisationNoiseMultiplier();
    String knob = "feature normalisation (privacy.normalisation-noise-multiplier > 0)";
    if (config.checkpointDir != null) {
      throw new InvalidInputException(
          knob
              + " cannot use checkpoints yet (checkpoint directory "
              + config.checkpointDir
              + "): the released statistics are not checkpointed"
              + value);
    }
    if (ledger != null || config.ledger != null) {
      throw new InvalidInputException(
          knob + " cannot be charged to a privacy ledger yet; unset privacy.ledger" + value);
    }
    if (plan.numMicrobatches() > 0) {
      throw new InvalidInputException(
          knob
              + " cannot be combined with microbatches: set training.num-microbatches = 0"
              + value);
    }
    if (plan.userLevel()) {
      throw new InvalidInputException(
          knob
              + " is example-level (one example's features are bounded): unset data.user-col"
              + value);
    }
    if (audit != null) {
      throw new InvalidInputException(
          knob + " cannot be combined with an audit (the canaries see raw features)" + value);
    }
    ModelSpec trainable = spec.trainable();
    if (trainable.isSequence()
        || !(trainable.allLayers().get(0) instanceof org.sparkdpsgd.model.LayerSpec.Dense)) {
      throw new InvalidInputException(
          knob
              + " needs a dense first trained layer to fold into; the model's is "
              + trainable.allLayers().get(0).describe()
              + value);
    }
    FeatureLayout layout = featureLayout != null ? featureLayout : FeatureLayout.of(spec);
    if (layout.mapsDim() > trainable.inputDim()) {
      throw new InvalidInputException(
          "feature layout "
              + layout
              + " has more map features than the "
              + trainable.inputDim()
              + " features the trained layers take");
    }
    if (plan.normalisationWhitening() > 0 && layout.channels() > MAX_WHITENED_CHANNELS) {
      throw new InvalidInputException(
          knob
              + " whitens at most "
              + MAX_WHITENED_CHANNELS
              + " channels; the features have "
              + layout.channels()
              + ": set training.normalisation-whitening = 0 (centring only); provided value: "
              + plan.normalisationWhitening());
    }
    return layout;
  }

  private TrainingResult fitResumed(
      TrainingBlocks data,
      TrainingPlan plan,
      ModelSpec spec,
      FeatureLayout layout,
      double[] initial,
      CheckpointedRun.Resume resume,
      PrivacyCharge charge) {
    if (spec.fixedLayers() == 0) {
      return fitFeatures(data, plan, spec, layout, initial, resume, charge);
    }
    if (resume.latest() != null && resume.latest().complete()) {
      return fitTrainable(data, plan, spec.trainable(), initial, resume, charge, null)
          .withSpec(spec);
    }
    try (TrainingBlocks features = fixedFeatures(data, spec)) {
      return fitFeatures(features, plan, spec.trainable(), layout, initial, resume, charge)
          .withSpec(spec);
    }
  }

  /**
   * Trains {@code trainable} on {@code features}, normalised first when the plan says so: the
   * statistics are aggregated, charged, released with noise and turned into a transform; the
   * normalised features are cached for the run and unpersisted after it.
   */
  private TrainingResult fitFeatures(
      TrainingBlocks features,
      TrainingPlan plan,
      ModelSpec trainable,
      FeatureLayout layout,
      double[] initial,
      CheckpointedRun.Resume resume,
      PrivacyCharge charge) {
    if (!plan.normalises()) {
      return fitTrainable(features, plan, trainable, initial, resume, charge, null);
    }
    FeatureTransform t = normalisation(features, plan, layout, charge);
    try (TrainingBlocks normalised = features.withTransformedFeatures(t)) {
      return fitTrainable(normalised, plan, trainable, initial, resume, charge, t);
    }
  }

  /** The released transform; the release is charged before it is computed. */
  FeatureTransform normalisation(
      TrainingBlocks features, TrainingPlan plan, FeatureLayout layout, PrivacyCharge charge) {
    long t0 = System.nanoTime();
    boolean whitens = plan.normalisationWhitening() > 0;
    FeatureStatistics stats =
        FeatureNormalisation.statistics(
            features, layout, whitens, plan.nonPrivate(), config.aggregationDepth);
    charge.chargeRelease();
    double sigmaN = plan.nonPrivate() ? 0 : plan.normalisationNoiseMultiplier();
    FeatureTransform t =
        FeatureNormalisation.release(
            stats,
            plan.numExamples(),
            sigmaN,
            plan.normalisationWhitening(),
            noise != null ? noise : NoiseSources.secure());
    listener.onNote(
        String.format(
            java.util.Locale.ROOT,
            "feature normalisation: %s of %d features (%s) released %s in %.1f s",
            whitens ? "mean and channel covariance" : "mean",
            features.dim(),
            layout,
            plan.nonPrivate()
                ? "exactly (no privacy)"
                : "once with noise multiplier σ_n = " + sigmaN,
            (System.nanoTime() - t0) / 1e9));
    return t;
  }

  /**
   * Reserves in the ledger (if any) every step this attempt will charge, before the first step: the
   * steps after the last checkpoint, and what earlier attempts' checkpoints charged. Null without a
   * ledger or when the run is already complete.
   */
  private PrivacyLedger.Reservation reserve(
      TrainingBlocks data, TrainingPlan plan, CheckpointedRun.Resume resume) {
    PrivacyLedger l = ledger;
    if (l == null && config.ledger != null) {
      // Named by the config only (MLlib): the run is fingerprinted by the settings a checkpoint
      // must match.
      l =
          BudgetLedger.open(config.ledger, data.rdd().context().hadoopConfiguration())
              .forRun(ConfigFingerprint.sha256(resume.run().toString()));
    }
    if (l == null || (resume.latest() != null && resume.latest().complete())) {
      return null;
    }
    if (plan.nonPrivate()) {
      throw new InvalidInputException(
          "a run without privacy (ε = ∞) cannot be charged to a privacy ledger; unset the ledger"
              + " for a non-private baseline, on data that no budget protects");
    }
    long done = resume.latest() == null ? 0 : resume.latest().step();
    return l.reserve(
        plan.stepEvent(), resume.earlierCharge(), plan.steps() - done, resume.location());
  }

  /**
   * {@code data} mapped once through the model's fixed leading layers and cached (the caller closes
   * it), with a note before and after; the steps then train {@code spec.trainable()}.
   */
  public TrainingBlocks fixedFeatures(TrainingBlocks data, ModelSpec spec) {
    long t0 = System.nanoTime();
    FixedFeatures fixed = new FixedFeatures(spec);
    listener.onNote(
        "computing the fixed layers "
            + fixed.describe()
            + " once for "
            + data.numExamples()
            + " examples ...");
    TrainingBlocks features = data.withFixedFeatures(fixed);
    listener.onNote(
        String.format(
            java.util.Locale.ROOT,
            "fixed layers %s: %d features per example, computed once in %.1f s",
            fixed.describe(),
            features.dim(),
            (System.nanoTime() - t0) / 1e9));
    return features;
  }

  private CheckpointedRun.Resume openCheckpoints(
      TrainingBlocks data, TrainingPlan plan, ModelSpec spec) {
    ObjectNode run = Checkpoint.fingerprint(config, plan, spec.describe(), spec.numParams());
    if (config.checkpointDir == null) {
      return new CheckpointedRun.Resume(null, run, null, 0);
    }
    CheckpointStore store =
        new CheckpointStore(config.checkpointDir, data.rdd().context().hadoopConfiguration());
    Checkpoint latest = store.latest();
    if (latest != null) {
      String mismatch = latest.mismatch(run);
      if (mismatch != null) {
        throw new InvalidInputException(
            "checkpoint directory "
                + store.location()
                + " holds a checkpoint of a"
                + " different run ("
                + mismatch
                + "); use an empty directory for a new run");
      }
    }
    return new CheckpointedRun.Resume(store, run, latest, store.largestRecordedCharge());
  }

  private TrainingResult fitTrainable(
      TrainingBlocks data,
      TrainingPlan plan,
      ModelSpec spec,
      double[] initial,
      CheckpointedRun.Resume resume,
      PrivacyCharge charge,
      FeatureTransform normalised) {
    java.util.function.UnaryOperator<double[]> fold =
        normalised == null ? p -> p : p -> normalised.fold(p, spec);
    NoiseSource noiseSource = noise != null ? noise : NoiseSources.secure();
    SamplingKey key = samplingKey != null ? samplingKey : SamplingKey.secure();
    Optimizer optimizer = config.optimizer.create(initial.length);
    WeightAverage ema = config.emaDecay > 0 ? new WeightAverage(initial, config.emaDecay) : null;
    List<StepMetrics> metrics = new ArrayList<>();
    CheckpointedRun run = new CheckpointedRun(resume, config.checkpointEvery, plan.steps());
    double[] params = run.restore(initial.clone(), optimizer, ema, metrics, charge, listener);

    for (String lie : TestingLies.describe()) {
      listener.onNote("TESTING ONLY, THIS RUN LIES ABOUT ITS PRIVACY: it " + lie);
    }
    boolean clips = !plan.nonPrivate() && !TestingLies.skipClipping();
    double clip = clips ? plan.l2NormClip() : Double.POSITIVE_INFINITY;
    // σ times the sensitivity of the released sum: C plus the fixed-point rounding (ExactSum),
    // a relative 1e-9 or less for any dataset that fits a cluster.
    double unit = StepContext.fixedPointUnit(plan.l2NormClip(), plan.numExamples());
    double stddev =
        plan.noiseMultiplier()
            * ExactSum.sensitivity(plan.l2NormClip(), spec.numParams(), unit)
            * TestingLies.noiseScale();
    int extra = audit == null ? 0 : audit.extraCoordinates();
    StepTimings timings = new StepTimings();
    long start = System.nanoTime();
    StepContext settings =
        new StepContext(
            spec,
            clip,
            plan.samplingRate(),
            key,
            0,
            useDouble,
            plan.numExamples(),
            plan.numMicrobatches());
    try (NoisePrefetcher noiseAhead =
            new NoisePrefetcher(noiseSource, params.length + extra, stddev, drawNoiseAhead);
        ClusterSteps cluster =
            ClusterSteps.open(
                data.rdd(),
                settings,
                config.aggregationDepth,
                config.residentTasks && run.firstStep() <= plan.steps(),
                listener::onNote)) {
      DpStep dpStep =
          new DpStep(
              charge,
              plan.nonPrivate() ? sum -> {} : noiseAhead::addNoise,
              plan.sumDivisor(),
              config.cosineSchedule ? LearningRateSchedule.COSINE : LearningRateSchedule.CONSTANT,
              plan.steps(),
              optimizer,
              ema,
              audit,
              timings);
      for (long t = run.firstStep(); t <= plan.steps(); t++) {
        run.reserveBefore(t, charge.charged(), params, optimizer, ema, metrics);
        long t0 = System.nanoTime();
        ClippedGradientAggregator sums = cluster.run(settings.atStep(t), params, timings);
        long t1 = System.nanoTime();
        timings.addCluster(t1 - t0);
        double[] clippedSum = sums.gradientSum();
        if (audit != null) {
          clippedSum = Arrays.copyOf(clippedSum, clippedSum.length + extra);
          audit.addClipped(t, clip, clippedSum, params.length);
        }
        timings.addSum(System.nanoTime() - t1);
        dpStep.apply(t, clippedSum, params);
        double elapsed = (System.nanoTime() - start) / 1e9;
        // The loss is computed without noise: outside the guarantee, kept only when asked to leak
        // it.
        double loss =
            config.leakTrainingLoss ? sums.lossSum() / plan.expectedBatchSize() : Double.NaN;
        StepMetrics m =
            new StepMetrics(
                t,
                plan.steps(),
                loss,
                charge.progressEpsilon(plan.delta()),
                elapsed,
                plan.expectedBatchSize() * (t - run.firstStep() + 1) / elapsed);
        metrics.add(m);
        listener.onStep(m);
        if (snapshots != null && isSnapshotStep(t, plan.steps(), snapshotCount)) {
          snapshots.onSnapshot(
              t, m.epsilon(), fold.apply(ema != null ? ema.average() : params.clone()));
        }
      }
    }
    run.finish(charge.charged(), params, optimizer, ema, metrics);
    double wall = (System.nanoTime() - start) / 1e9;
    if (ema != null) {
      params = ema.average();
    }
    params = fold.apply(params);
    PrivacyReport report =
        new PrivacyReport(
            charge.epsilon(plan.delta()),
            plan.delta(),
            config.accountant.name().toLowerCase(java.util.Locale.ROOT),
            plan.noiseMultiplier(),
            plan.l2NormClip(),
            plan.samplingRate(),
            plan.expectedBatchSize(),
            charge.charged(),
            charge.charged() * plan.samplingRate(),
            data.numExamples(),
            noiseSource.secure() && !plan.nonPrivate(),
            plan.nonPrivate(),
            plan.numMicrobatches(),
            plan.userLevel() ? plan.numExamples() : 0,
            charge.releaseCharged() && !plan.nonPrivate()
                ? plan.normalisationNoiseMultiplier()
                : 0);
    return new TrainingResult(spec, params, report, metrics, wall, timings);
  }

  /** Steps ⌈i·T/count⌉ for i = 1..count: evenly spaced, the last step always among them. */
  static boolean isSnapshotStep(long t, long steps, int count) {
    if (count <= 0) {
      return false;
    }
    long i = (t * count) / steps; // snapshots due up to t
    long before = ((t - 1) * count) / steps;
    return i > before;
  }
}
