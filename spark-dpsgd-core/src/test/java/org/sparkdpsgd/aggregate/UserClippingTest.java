package org.sparkdpsgd.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.sampling.SamplingKey;

/**
 * User-level clipping on the executor ({@link UserGradients}): removing any one user, however many
 * or however extreme their rows, moves the released sum by at most the sensitivity the noise is
 * calibrated to; a user's contribution is the clipped MEAN of their rows' gradients; and blocks in
 * which every row is its own user give the example-level sums.
 */
class UserClippingTest {
  static final int DIM = 12;
  static final ModelSpec SPEC = ModelSpec.mlp(DIM, new int[] {16}, Activation.TANH, 3);

  /**
   * Adversarial users: one with 10⁵ rows of large features, one with a single row of 1e30 (computed
   * in double: float would lose the clip), one with a single 1e8 row, and ordinary users of 1 to 5
   * rows; large random weights. For each user, the sum without them differs from the sum with
   * everyone by at most C + √d·unit, for several C and weight draws. Deterministic (q = 1).
   */
  @Test
  void removingAnyUserMovesTheSumByAtMostTheSensitivity() {
    SplittableRandom rng = new SplittableRandom(11);
    ExampleBlock block = adversarialBlock(rng);
    for (double clip : new double[] {1e-3, 0.7, 50.0}) {
      for (int draw = 0; draw < 2; draw++) {
        double[] params = randomParams(rng, draw == 0 ? 3.0 : 30.0);
        for (boolean useDouble : new boolean[] {false, true}) {
          StepContext ctx =
              new StepContext(SPEC, clip, 1.0, SamplingKey.forTesting(3), 1, useDouble, 200_000);
          double[] all = sum(ctx, params, block);
          double bound = ExactSum.sensitivity(clip, SPEC.numParams(), ctx.fixedPointUnit());
          for (int u = 0; u < block.users(); u++) {
            double[] without = sum(ctx, params, block.keeping(allBut(block, u)));
            double moved = distance(all, without);
            assertTrue(
                moved <= bound,
                "removing user "
                    + u
                    + " moved the sum by "
                    + moved
                    + " > "
                    + bound
                    + " (C = "
                    + clip
                    + ", double = "
                    + useDouble
                    + ")");
          }
          assertTrue(norm(all) <= block.users() * bound, "every user's part is bounded");
        }
      }
    }
  }

  /**
   * Without clipping (C far above every norm) a user's contribution is the mean of their rows'
   * gradients: the example-level sum of the same rows divided by their count.
   */
  @Test
  void aUsersContributionIsTheMeanOfTheirGradients() {
    SplittableRandom rng = new SplittableRandom(5);
    int n = 7;
    float[] x = new float[n * DIM];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = rng.nextInt(3);
      for (int j = 0; j < DIM; j++) {
        x[i * DIM + j] = (float) rng.nextGaussian();
      }
    }
    double[] params = randomParams(rng, 0.5);
    StepContext ctx = new StepContext(SPEC, 1e6, 1.0, SamplingKey.forTesting(3), 1, true, 100);
    double[] user = sum(ctx, params, new ExampleBlock(0, n, DIM, x, y, new int[] {0, n}));
    double[] rows = sum(ctx, params, new ExampleBlock(0, n, DIM, x, y));
    double scale = norm(rows) / n;
    assertTrue(scale > 0.1, "a gradient worth comparing: " + scale);
    for (int k = 0; k < user.length; k++) {
      assertEquals(rows[k] / n, user[k], 1e-9 * scale, "parameter " + k);
    }
    // Clipped to C as a whole: the mean's norm, not each row's.
    StepContext clipped =
        new StepContext(SPEC, scale / 4, 1.0, SamplingKey.forTesting(3), 1, true, 100);
    double[] c = sum(clipped, params, new ExampleBlock(0, n, DIM, x, y, new int[] {0, n}));
    assertEquals(scale / 4, norm(c), 1e-5 * scale);
  }

  /**
   * Blocks in which every row is its own user draw the same sample (the same stream, one draw per
   * user = row) and give the example-level sum: per example clipping is per user clipping then.
   */
  @Test
  void oneRowPerUserGivesTheExampleLevelSum() {
    SplittableRandom rng = new SplittableRandom(8);
    int n = 3000;
    float[] x = new float[n * DIM];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = rng.nextInt(3);
      for (int j = 0; j < DIM; j++) {
        x[i * DIM + j] = (float) (rng.nextGaussian() * 2);
      }
    }
    int[] starts = new int[n + 1];
    Arrays.setAll(starts, i -> i);
    double[] params = randomParams(rng, 1.0);
    for (boolean useDouble : new boolean[] {false, true}) {
      StepContext ctx = new StepContext(SPEC, 0.5, 0.1, SamplingKey.forTesting(9), 4, useDouble, n);
      double[] users = sum(ctx, params, new ExampleBlock(7, n, DIM, x, y, starts));
      double[] examples = sum(ctx, params, new ExampleBlock(7, n, DIM, x, y));
      assertTrue(norm(examples) > 1, "some rows were sampled and clipped");
      double tolerance = useDouble ? 1e-9 : 1e-4;
      assertTrue(
          distance(users, examples) <= tolerance * norm(examples),
          "double = " + useDouble + ": " + distance(users, examples) + " vs " + norm(examples));
    }
  }

  static ExampleBlock adversarialBlock(SplittableRandom rng) {
    int[] sizes = {100_000, 1, 1, 3, 1, 5, 2, 4};
    int rows = Arrays.stream(sizes).sum();
    float[] x = new float[rows * DIM];
    int[] y = new int[rows];
    int[] starts = new int[sizes.length + 1];
    int r = 0;
    for (int u = 0; u < sizes.length; u++) {
      starts[u] = r;
      for (int i = 0; i < sizes[u]; i++, r++) {
        y[r] = rng.nextInt(3);
        for (int j = 0; j < DIM; j++) {
          double v = rng.nextGaussian();
          x[r * DIM + j] =
              (float) (u == 0 ? v * 1e3 : u == 1 ? 1e30 * Math.signum(v) : u == 2 ? v * 1e8 : v);
        }
      }
    }
    starts[sizes.length] = rows;
    return new ExampleBlock(0, rows, DIM, x, y, starts);
  }

  static boolean[] allBut(ExampleBlock b, int user) {
    boolean[] keep = new boolean[b.rows()];
    Arrays.fill(keep, true);
    Arrays.fill(keep, b.userStarts()[user], b.userStarts()[user + 1], false);
    return keep;
  }

  static double[] randomParams(SplittableRandom rng, double scale) {
    double[] p = new double[SPEC.numParams()];
    for (int k = 0; k < p.length; k++) {
      p[k] = rng.nextGaussian() * scale;
    }
    return p;
  }

  static double[] sum(StepContext ctx, double[] params, ExampleBlock block) {
    Supplier<double[]> weights = (Supplier<double[]> & Serializable) () -> params;
    return new ClippedGradientAggregator(ctx, weights).add(block).gradientSum();
  }

  static double distance(double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += (a[k] - b[k]) * (a[k] - b[k]);
    }
    return Math.sqrt(s);
  }

  static double norm(double[] a) {
    return distance(a, new double[a.length]);
  }
}
