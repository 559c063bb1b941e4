package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.TestData;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.data.UserBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.optim.OptimizerSpec;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * User-level privacy from a DataFrame to a trained model: rows grouped by a user column into whole
 * users, steps that sample users independently with rate q, accounting and report per user, and a
 * user-level run in which every user owns one example that is the example-level run.
 */
class UserLevelTrainingTest {
  static final int CLASSES = 3;

  /** Rows of {@code users} users, user i owning 1 + i % 7 rows whose feature 0 is i. */
  static Dataset<Row> usersFrame(int users, int dim, boolean oneHot, boolean nullUser) {
    SplittableRandom rng = new SplittableRandom(users);
    List<Row> rows = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      for (int i = 0; i < 1 + u % 7; i++) {
        double[] x = new double[dim];
        if (oneHot) {
          x[u] = 1.0;
        } else {
          x[0] = u;
          for (int j = 1; j < dim; j++) {
            x[j] = rng.nextGaussian();
          }
        }
        String user = nullUser && u == 3 ? null : "user-" + u;
        rows.add(RowFactory.create(Vectors.dense(x), oneHot ? 0.0 : rng.nextInt(CLASSES), user));
      }
    }
    StructType schema =
        new StructType()
            .add("features", SQLDataTypes.VectorType(), false)
            .add(
                org.apache.spark.ml.attribute.NominalAttribute.defaultAttr()
                    .withName("label")
                    .withNumValues(CLASSES)
                    .toStructField())
            .add("user", DataTypes.StringType, true);
    return SparkTestSession.get().createDataFrame(rows, schema).repartition(3);
  }

  static TrainingBlocks prepare(Dataset<Row> df, int blockRows, UserBlocks.Grouping g) {
    return TrainingBlocks.prepare(df, "features", "label", 0, 0, blockRows, "users", 1.0, 0.0, g);
  }

  static int rowsOf(int user) {
    return 1 + user % 7;
  }

  @Test
  void everyUsersRowsAreOneGroupOfOneBlock() {
    int users = 50;
    try (TrainingBlocks data =
        prepare(usersFrame(users, 4, false, false), 16, new UserBlocks.Grouping("user", 0))) {
      assertEquals(users, data.numUsers());
      long examples = 0;
      for (int u = 0; u < users; u++) {
        examples += rowsOf(u);
      }
      assertEquals(examples, data.numExamples());
      Set<Integer> seen = new HashSet<>();
      for (ExampleBlock b : data.rdd().collect()) {
        for (int g = 0; g < b.users(); g++) {
          int from = b.userStarts()[g];
          int to = b.userStarts()[g + 1];
          int user = (int) b.features()[from * b.dim()];
          assertEquals(rowsOf(user), to - from, "user " + user + " is whole");
          for (int r = from; r < to; r++) {
            assertEquals(user, (int) b.features()[r * b.dim()], "one user per group");
          }
          assertTrue(seen.add(user), "user " + user + " is in one group only");
        }
      }
      assertEquals(users, seen.size());
    }
    try (TrainingBlocks capped =
        prepare(usersFrame(users, 4, false, false), 16, new UserBlocks.Grouping("user", 3))) {
      long examples = 0;
      for (int u = 0; u < users; u++) {
        examples += Math.min(3, rowsOf(u));
      }
      assertEquals(examples, capped.numExamples(), "at most 3 rows per user are kept");
      assertEquals(users, capped.numUsers());
    }
  }

  @Test
  void aBadUserColumnFailsInOneLineBeforeAnyStep() {
    Dataset<Row> df = usersFrame(10, 4, false, false);
    assertMessage(
        "users: missing user column 'person' (data.user-col, MLlib param userCol); available"
            + " columns: [features, label, user]",
        () -> prepare(df, 16, new UserBlocks.Grouping("person", 0)));
    assertMessage(
        "users: user column 'label' must be a string, int or long; found double",
        () -> prepare(df, 16, new UserBlocks.Grouping("label", 0)));
    assertMessage(
        "users: user column 'user' is null in some row; every row needs a user",
        () -> prepare(usersFrame(10, 4, false, true), 16, new UserBlocks.Grouping("user", 0)));
    assertMessage(
        "data.max-examples-per-user must be >= 0 (0 = all); provided value: -1",
        () -> new UserBlocks.Grouping("user", -1));
    DpSgdConfig micro = new DpSgdConfig().noiseMultiplier(1.0).samplingRate(0.1).steps(2);
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> TrainingPlan.resolve(micro.numMicrobatches(2), 100, true));
    assertTrue(e.getMessage().startsWith("numMicrobatches (training.num-microbatches) cannot be"));
  }

  static void assertMessage(String expected, Runnable r) {
    InvalidInputException e = assertThrows(InvalidInputException.class, r::run);
    assertEquals(expected, e.getMessage());
  }

  /**
   * Sampling over users: with one-hot features per user and zero weights, a user's contribution
   * shows on their own coordinates only, so the released sum says which users a step sampled. Over
   * T = 400 steps each of U = 60 users must be sampled Binomial(T, q) times (each count within 5.7
   * standard deviations: false-failure rate ≤ 60 · 1.3e-8 < 1e-6), the chi-square of the counts
   * must be below its 1 − 1e-6 quantile, and a sampled user's coordinate must equal their WHOLE
   * mean gradient (all their rows, at once), never a part of it.
   */
  @Test
  void stepsSampleWholeUsersIndependentlyWithRateQ() {
    int users = 60;
    int steps = 400;
    double q = 0.2;
    ModelSpec spec = ModelSpec.logisticRegression(users, CLASSES);
    double[] zero = new double[spec.numParams()];
    Supplier<double[]> weights = (Supplier<double[]> & Serializable) () -> zero;
    try (TrainingBlocks data =
        prepare(usersFrame(users, users, true, false), 32, new UserBlocks.Grouping("user", 0))) {
      List<ExampleBlock> blocks = data.rdd().collect();
      SamplingKey key = SamplingKey.forTesting(17);
      StepContext all = new StepContext(spec, 1e3, 1.0, key, 0, true, data.numExamples());
      double[][] signature = new double[users][];
      for (ExampleBlock b : blocks) {
        for (int g = 0; g < b.users(); g++) {
          int from = b.userStarts()[g];
          int u = (int) Math.round(indexOfOne(b, from));
          int n = b.userStarts()[g + 1] - from;
          boolean[] keep = new boolean[b.rows()];
          java.util.Arrays.fill(keep, from, from + n, true);
          signature[u] = aggregate(all, weights, List.of(b.keeping(keep)));
        }
      }
      int[] coordinate = new int[users];
      for (int u = 0; u < users; u++) {
        coordinate[u] = ownCoordinate(signature, u);
      }
      int[] counts = new int[users];
      for (int t = 1; t <= steps; t++) {
        StepContext ctx = new StepContext(spec, 1e3, q, key, t, true, data.numExamples());
        double[] sum = aggregate(ctx, weights, blocks);
        for (int u = 0; u < users; u++) {
          double got = sum[coordinate[u]];
          double whole = signature[u][coordinate[u]];
          if (got != 0) {
            assertEquals(whole, got, 1e-9, "step " + t + ": user " + u + " counts once, whole");
            counts[u]++;
          }
        }
      }
      double mean = steps * q;
      double sd = Math.sqrt(steps * q * (1 - q));
      double chi2 = 0;
      for (int u = 0; u < users; u++) {
        assertTrue(Math.abs(counts[u] - mean) <= 5.7 * sd, "user " + u + ": " + counts[u]);
        chi2 += (counts[u] - mean) * (counts[u] - mean) / (sd * sd);
      }
      // scipy.stats.chi2.ppf(1 - 1e-6, 60) = 126.1
      assertTrue(chi2 < 126.1, "chi-square " + chi2);
      assertTrue(chi2 > 0, "counts vary");
    }
  }

  static double indexOfOne(ExampleBlock b, int row) {
    for (int j = 0; j < b.dim(); j++) {
      if (b.features()[row * b.dim() + j] == 1f) {
        return j;
      }
    }
    throw new AssertionError("no one-hot feature");
  }

  /** A coordinate where user u's signature is non-zero and every other user's is zero. */
  static int ownCoordinate(double[][] signature, int u) {
    for (int k = 0; k < signature[u].length; k++) {
      if (Math.abs(signature[u][k]) > 1e-6) {
        boolean own = true;
        for (int v = 0; v < signature.length && own; v++) {
          own = v == u || signature[v][k] == 0;
        }
        if (own) {
          return k;
        }
      }
    }
    throw new AssertionError("user " + u + " has no coordinate of their own");
  }

  static double[] aggregate(StepContext ctx, Supplier<double[]> w, List<ExampleBlock> blocks) {
    ClippedGradientAggregator agg = new ClippedGradientAggregator(ctx, w);
    for (ExampleBlock b : blocks) {
      agg.add(b);
    }
    return agg.gradientSum();
  }

  static DpSgdConfig config() {
    return new DpSgdConfig()
        .l2NormClip(0.5)
        .noiseMultiplier(1.3)
        .expectedBatchSize(200)
        .steps(4)
        .optimizer(OptimizerSpec.sgd(0.3))
        .hiddenLayers(6)
        .initSeed(4);
  }

  /**
   * Every user owning one example: the user-level run samples the same rows, clips each row as a
   * user, divides by the same q·N and is charged the same ε; only the report's unit differs.
   */
  @Test
  void oneExamplePerUserIsTheExampleLevelRun() {
    try (TrainingBlocks data =
            TrainingBlocks.prepare(
                TestData.gaussianClasses(4000, 8, 4, 1, 3), "features", "label", 0, 0, 500, "t");
        TrainingBlocks users = data.oneUserPerRow()) {
      assertEquals(4000, users.numUsers());
      SamplingKey key = SamplingKey.forTesting(21);
      TrainingResult examples =
          new DpSgdTrainer(config())
              .noiseSourceForTesting(NoiseSources.seededForTesting(5))
              .samplingKeyForTesting(key)
              .doublePrecisionForTesting(true)
              .fit(data);
      TrainingResult perUser =
          new DpSgdTrainer(config())
              .noiseSourceForTesting(NoiseSources.seededForTesting(5))
              .samplingKeyForTesting(key)
              .doublePrecisionForTesting(true)
              .fit(users);
      assertArrayEquals(examples.params(), perUser.params(), 1e-9);
      PrivacyReport a = examples.privacy();
      PrivacyReport b = perUser.privacy();
      assertEquals(a.epsilon(), b.epsilon());
      assertEquals(a.samplingRate(), b.samplingRate());
      assertEquals(0, a.users());
      assertEquals(4000, b.users());
      assertEquals("user-level, 4000 users", b.privacyUnit());
      assertEquals("add-or-remove-one-user", b.neighbouring());
      assertTrue(
          b.summary().contains("over 4000 users (4000 examples); Poisson sampling of users"),
          b.summary());
    }
  }

  /** q and the division are per user: q = B/U, and the plan counts users, not examples. */
  @Test
  void thePlanCountsUsers() {
    try (TrainingBlocks data =
        prepare(usersFrame(300, 4, false, false), 64, new UserBlocks.Grouping("user", 0))) {
      DpSgdConfig c = config().expectedBatchSize(30);
      TrainingPlan plan = new DpSgdTrainer(c).plan(data);
      assertTrue(plan.userLevel());
      assertEquals(300, plan.numExamples(), "the plan's units are users");
      assertEquals(0.1, plan.samplingRate(), 1e-15);
      assertEquals(30, plan.sumDivisor(), 1e-12);
      assertEquals(
          TrainingPlan.resolve(c, 300).plannedEpsilon(), plan.plannedEpsilon(), 0.0, "same ε");
      TrainingResult r =
          new DpSgdTrainer(c).noiseSourceForTesting(NoiseSources.seededForTesting(2)).fit(data);
      assertEquals(300, r.privacy().users());
      assertTrue(data.numExamples() > 300);
      assertEquals(data.numExamples(), r.privacy().trainExamples());
    }
  }
}
