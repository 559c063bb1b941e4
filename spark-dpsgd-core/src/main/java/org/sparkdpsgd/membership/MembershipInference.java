package org.sparkdpsgd.membership;

import org.sparkdpsgd.data.RowSubset;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.train.TrainingResult;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.CryptoRandom;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * A membership-inference experiment: does a model give away which examples it was trained on?
 *
 * <pre>
 *   members     = a random half of the population ({@link RowSubset#half}); the rest are non-members
 *   attacked    = n/2 members and n/2 non-members, drawn uniformly ({@link #attackExamples})
 *   targets     = the DP config and the same recipe without privacy, each trained on the members
 *   loss attack = score −loss (Yeom et al. 2018): members were fitted, so their loss is lower
 *   offline LiRA, with k ≥ 2 reference models per target (Carlini et al. 2022):
 *     reference j  = the target's config, trained on a random half of (population − attacked)
 *     statistic    = a classifier's logit-scaled confidence log(p_y / (1 − p_y)); −loss for a
 *                    language model ({@link ExampleScores})
 *     score        = z of the target's statistic against the references' mean and standard
 *                    deviation for that example (global variance below 32 references; {@link
 *                    OfflineLira})
 *   output      = each attack's ROC curve: AUC, TPR at low FPR, advantage ({@link RocCurve})
 * </pre>
 *
 * <p>The design is LiRA's offline variant, so that no attacked example is ever in a reference
 * model's training set: every reference model is an "out" model for every attacked example, and the
 * test is one-sided (a member's statistic is higher than out models give). The attacker knows the
 * training recipe and data from the same distribution, as in the paper: the DP target is calibrated
 * against DP-trained references and the non-private target against non-private ones, each trained
 * with the target's own config (its initialisation seed too; sampling and noise are fresh and
 * secure for every model). A reference's data is half of the population without the attacked
 * examples, about as many rows as the target's; it may share rows with the target's training set
 * (the members that are not attacked), as the paper's references do. The DP and the non-private
 * reference j train on the same rows. A config that targets ε resolves its noise for its own data
 * size, as that recipe would.
 *
 * <p>Everything that can be checked is checked before the first step: both configs, both models'
 * shapes against the data, the attack examples against the halves, and both plans on the members
 * and (with references) on the first reference's data. Checkpoints are refused: the models train on
 * different rows, and one would resume from another's.
 */
public final class MembershipInference {
  public static final String PRIVATE = "DP-SGD";
  public static final String NON_PRIVATE = "non-private";

  public static final int DEFAULT_ATTACK_EXAMPLES = 5000;
  public static final int MAX_REFERENCE_MODELS = 64;

  private int referenceModels = 0;
  private int attackExamples = DEFAULT_ATTACK_EXAMPLES;
  private Long seed = null;
  private MembershipInferenceListener listener = MembershipInferenceListener.NONE;

  /** Reference models per target for offline LiRA: 0 (the loss attack only), or 2 to 64. */
  public MembershipInference referenceModels(int k) {
    if (k != 0 && (k < 2 || k > MAX_REFERENCE_MODELS)) {
      throw Checks.fail("the number of reference models", "0 or in 2.." + MAX_REFERENCE_MODELS, k);
    }
    this.referenceModels = k;
    return this;
  }

  /**
   * Examples attacked (default {@value #DEFAULT_ATTACK_EXAMPLES}): half members, half non-members;
   * an even number, at least 2. TPR at FPR f needs well over 1/f non-members to mean anything.
   */
  public MembershipInference attackExamples(int n) {
    if (n < 2 || n % 2 != 0) {
      throw Checks.fail("the number of attack examples", "even and >= 2", n);
    }
    this.attackExamples = n;
    return this;
  }

  /**
   * Draws the member half, the attack examples and the references' halves from streams keyed by
   * {@code seed}, so that the split can be repeated; unset, from the operating system's secure
   * source. Training (sampling, noise) is always secure.
   */
  public MembershipInference seed(long seed) {
    this.seed = seed;
    return this;
  }

  public MembershipInference listener(MembershipInferenceListener l) {
    this.listener = l;
    return this;
  }

  public int referenceModels() {
    return referenceModels;
  }

  public int attackExamples() {
    return attackExamples;
  }

  /**
   * Runs the experiment.
   *
   * @param population the rows members and non-members are drawn from (the caller closes them)
   * @param dp the DP model's config
   * @param nonPrivate the same recipe with {@code nonPrivate(true)}: NO privacy guarantee
   */
  public MembershipInferenceResult run(
      TrainingBlocks population, DpSgdConfig dp, DpSgdConfig nonPrivate) {
    Checks.require(
        !dp.isNonPrivate(), "the DP model's config must be private; provided value: non-private");
    Checks.require(
        nonPrivate.isNonPrivate(),
        "the non-private model's config must have nonPrivate(true); provided value: private");
    for (DpSgdConfig c : new DpSgdConfig[] {dp, nonPrivate}) {
      if (c.checkpointDir() != null) {
        throw new InvalidInputException(
            "membership inference trains models on different rows and cannot use checkpoints"
                + " (one model would resume from another's); provided value: checkpoint directory "
                + c.checkpointDir());
      }
    }
    dp.modelSpec(population.dim(), population.numClasses());
    nonPrivate.modelSpec(population.dim(), population.numClasses());

    Seeds seeds = new Seeds(seed != null ? seed : CryptoRandom.fromSecureSeed().nextLong());
    RowSubset members = RowSubset.half(seeds.derived("members", 0));
    AttackExamples attack =
        AttackExamples.choose(population, members, attackExamples / 2, seeds.stream("attack"));
    Clock clock = new Clock();
    TrainingBlocks memberRows = null;
    TrainingBlocks firstReference = null;
    try (TrainingBlocks attacked = population.subset(attack.rows())) {
      memberRows = population.subset(members);
      DpSgdTrainer dpTrainer = new DpSgdTrainer(dp);
      DpSgdTrainer npTrainer = new DpSgdTrainer(nonPrivate);
      TrainingPlan dpPlan = dpTrainer.plan(memberRows);
      TrainingPlan npPlan = npTrainer.plan(memberRows);
      if (referenceModels > 0) {
        firstReference = population.subset(referenceRows(seeds, 0, attack));
        new DpSgdTrainer(dp).plan(firstReference);
        new DpSgdTrainer(nonPrivate).plan(firstReference);
      }

      TrainingResult dpRun = train(PRIVATE, -1, dpTrainer, dpPlan, memberRows, clock);
      TrainingResult npRun = train(NON_PRIVATE, -1, npTrainer, npPlan, memberRows, clock);
      memberRows.close();
      memberRows = null;

      double[][] dpReferences = new double[referenceModels][];
      double[][] npReferences = new double[referenceModels][];
      for (int j = 0; j < referenceModels; j++) {
        TrainingBlocks data =
            j == 0 ? firstReference : population.subset(referenceRows(seeds, j, attack));
        try {
          dpReferences[j] = reference(PRIVATE, j, dp, data, attacked, clock);
          npReferences[j] = reference(NON_PRIVATE, j, nonPrivate, data, attacked, clock);
        } finally {
          data.close();
          if (j == 0) {
            firstReference = null;
          }
        }
      }

      ModelAttacks dpAttacks = attack(PRIVATE, dpRun, dpReferences, attacked, attack, clock);
      ModelAttacks npAttacks = attack(NON_PRIVATE, npRun, npReferences, attacked, attack, clock);
      return new MembershipInferenceResult(
          dpAttacks,
          npAttacks,
          population.numExamples(),
          clock.trainingSeconds,
          clock.scoringSeconds);
    } finally {
      if (memberRows != null) {
        memberRows.close();
      }
      if (firstReference != null) {
        firstReference.close();
      }
    }
  }

  /** Reference j's rows: a random half of the population without the attacked examples. */
  private static RowSubset referenceRows(Seeds seeds, int j, AttackExamples attack) {
    return RowSubset.half(seeds.derived("reference", j)).and(attack.rows().complement());
  }

  private TrainingResult train(
      String model,
      int reference,
      DpSgdTrainer trainer,
      TrainingPlan plan,
      TrainingBlocks data,
      Clock clock) {
    listener.beforeTraining(model, reference, trainer, plan);
    long t0 = System.nanoTime();
    TrainingResult r = trainer.fit(data);
    clock.trainingSeconds += (System.nanoTime() - t0) / 1e9;
    listener.afterTraining(model, reference, r);
    return r;
  }

  /** Trains reference model j and returns its statistic of every attacked example. */
  private double[] reference(
      String model,
      int j,
      DpSgdConfig config,
      TrainingBlocks data,
      TrainingBlocks attacked,
      Clock clock) {
    DpSgdTrainer trainer = new DpSgdTrainer(config);
    TrainingResult r = train(model, j, trainer, trainer.plan(data), data, clock);
    return score(attacked, r, clock).statistics();
  }

  private ModelAttacks attack(
      String model,
      TrainingResult target,
      double[][] references,
      TrainingBlocks attacked,
      AttackExamples examples,
      Clock clock) {
    listener.beforeScoring(model);
    ExampleScores s = score(attacked, target, clock);
    double[] negativeLoss = new double[s.losses().length];
    for (int i = 0; i < negativeLoss.length; i++) {
      negativeLoss[i] = -s.losses()[i];
    }
    RocCurve loss = new RocCurve(examples.members(negativeLoss), examples.nonMembers(negativeLoss));
    RocCurve lira = null;
    if (references.length > 0) {
      double[] z = OfflineLira.scores(s.statistics(), references);
      lira = new RocCurve(examples.members(z), examples.nonMembers(z));
    }
    return new ModelAttacks(model, target, loss, lira, references.length);
  }

  private static ExampleScores score(TrainingBlocks attacked, TrainingResult model, Clock clock) {
    long t0 = System.nanoTime();
    ExampleScores s = ExampleScores.of(attacked, model.spec(), model.params());
    clock.scoringSeconds += (System.nanoTime() - t0) / 1e9;
    return s;
  }

  private static final class Clock {
    double trainingSeconds;
    double scoringSeconds;
  }

  /** Streams and seeds for each random choice, derived from one seed. */
  private record Seeds(long seed) {
    private static final String DOMAIN = "spark-dpsgd membership inference ";

    CryptoRandom stream(String purpose) {
      return CryptoRandom.derived(DOMAIN + purpose, new byte[0], seed);
    }

    long derived(String purpose, long index) {
      return CryptoRandom.derived(DOMAIN + purpose, new byte[0], seed, index).nextLong();
    }
  }
}
