package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.aggregate.FeatureStatistics;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.FeatureLayout;
import org.sparkdpsgd.model.FeatureTransform;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.ComposedEvent;
import org.sparkdpsgd.privacy.GaussianEvent;
import org.sparkdpsgd.privacy.NoiseCalibration;
import org.sparkdpsgd.privacy.SelfComposedEvent;

/**
 * Feature normalisation's pieces without Spark: the accounting of its release (pinned against
 * Google's dp_accounting), the statistics and transform against a hand computation, the sensitivity
 * bound on adversarial features, and the fold into the first dense layer.
 */
class FeatureNormalisationTest {
  private static final double Q = 8192.0 / 60000;

  private static DpSgdConfig scatterRecipe() {
    return new DpSgdConfig().expectedBatchSize(8192).normalisationNoiseMultiplier(20);
  }

  /**
   * dp_accounting (RDP, δ = 1e-5, q = 8192/60000), computed by the session lead: ComposedEvent(
   * GaussianEvent(20), SelfComposedEvent(PoissonSampled(q, Gaussian(σ)), T)). Tolerances as the
   * accountant reference tests': 1e-6 relative for calibrated σ, 1e-9 relative for ε.
   */
  @Test
  void accountingMatchesDpAccounting() {
    TrainingPlan eps3 = TrainingPlan.resolve(scatterRecipe().targetEpsilon(3).steps(367), 60000);
    assertEquals(4.0595594097855665, eps3.noiseMultiplier(), 1e-6 * 4.06);
    assertTrue(eps3.plannedEpsilon() <= 3.0, "" + eps3.plannedEpsilon());
    TrainingPlan eps1 = TrainingPlan.resolve(scatterRecipe().targetEpsilon(1).steps(110), 60000);
    assertEquals(6.113033933135939, eps1.noiseMultiplier(), 1e-6 * 6.11);

    TrainingPlan fixed =
        TrainingPlan.resolve(scatterRecipe().noiseMultiplier(4.0).steps(367), 60000);
    assertEquals(3.0524395407967697, fixed.plannedEpsilon(), 1e-9 * 3.05);
    TrainingPlan without =
        TrainingPlan.resolve(
            scatterRecipe().normalisationNoiseMultiplier(0).noiseMultiplier(4.0).steps(367), 60000);
    assertEquals(3.043394007849334, without.plannedEpsilon(), 1e-9 * 3.04);
    // without the release, calibration is the old one (4.049...)
    double old = NoiseCalibration.calibrateNoiseMultiplier(3, 1e-5, Q, 367, AccountantKind.RDP);
    assertEquals(
        old,
        TrainingPlan.resolve(
                scatterRecipe().normalisationNoiseMultiplier(0).targetEpsilon(3).steps(367), 60000)
            .noiseMultiplier(),
        0.0);
    assertTrue(old > 4.049 && old < 4.05, "" + old);
    // the run event is the composed one
    assertEquals(
        new ComposedEvent(
            List.of(
                new GaussianEvent(20), new SelfComposedEvent(TrainingPlan.stepEvent(Q, 4.0), 367))),
        fixed.runEvent());
    // without privacy nothing is charged for the statistics
    TrainingPlan plain = TrainingPlan.resolve(scatterRecipe().nonPrivate(true).steps(10), 60000);
    assertTrue(plain.normalises());
    assertEquals(new org.sparkdpsgd.privacy.NoOpEvent(), plain.normalisationEvent());
  }

  /** The charge composes the release once, into both accountants, before the steps. */
  @Test
  void theChargeComposesTheReleaseOnce() {
    TrainingPlan plan =
        TrainingPlan.resolve(scatterRecipe().noiseMultiplier(4.0).steps(367), 60000);
    PrivacyCharge charge = new PrivacyCharge(plan, AccountantKind.RDP);
    charge.chargeRelease();
    for (int t = 0; t < 367; t++) {
      charge.chargeStep();
    }
    assertEquals(plan.plannedEpsilon(), charge.epsilon(1e-5), 1e-12);
    assertEquals(plan.plannedEpsilon(), charge.progressEpsilon(1e-5), 1e-12);
    assertThrows(IllegalStateException.class, charge::chargeRelease);
  }

  /**
   * By hand: C = 2 channels at P = 2 positions, then one appended feature (d = 5, R = √5); three
   * examples with ‖f‖ < R, so u = f / R. μ = (2/3, 2/3, 1/3, 1/3, 0); the channel vectors at the
   * positions give Σ Σ_p v vᵀ / N = [[4/3, 0], [0, 2/3]] and Σ_p m mᵀ = [[8/9, 4/9], [4/9, 2/9]],
   * so Cov = [[4/9, −4/9], [−4/9, 4/9]] in feature units (÷ R² = 5 in u's): eigenvalues 8/9 along
   * (1, −1)/√2 and 0 (floored to 8/9·1e-4) along (1, 1)/√2.
   */
  @Test
  void statisticsAndTransformMatchAHandComputation() {
    FeatureLayout layout = new FeatureLayout(2, 2);
    float[] rows = {1, 0, 0, 1, 0.5f, 0, 1, 1, 0, -0.5f, 1, 1, 0, 0, 0};
    FeatureStatistics stats =
        new FeatureStatistics(5, layout, true, false)
            .add(new ExampleBlock(0, 3, 5, rows, new int[3]));
    double r = Math.sqrt(5);
    double m = 1 - FeatureStatistics.BOUND_MARGIN; // u = m f / R
    assertArrayEquals(new double[] {2 * m / r, 2 * m / r, m / r, m / r, 0}, stats.sum(), 1e-12);
    assertArrayEquals(
        new double[] {4 * m * m / 5.0, 0, 2 * m * m / 5.0}, stats.upperSecondMoment(), 1e-12);
    double[] cov =
        FeatureNormalisation.covariance(stats.sum(), stats.upperSecondMoment(), 3, layout);
    double c = 4 * m * m / 45.0;
    assertArrayEquals(new double[] {c, -c, -c, c}, cov, 1e-12);

    // Zero noise: the release is the post-processing of the exact sums. w = 1.
    FeatureTransform t =
        FeatureNormalisation.release(stats, 3, 5.0, 1.0, NoiseSources.zeroForTesting());
    assertArrayEquals(new double[] {2 * m / 3, 2 * m / 3, m / 3, m / 3, 0}, t.mean(), 1e-12);
    double floor = 1e-4;
    double meanLambda = (1 + floor) / 2; // in units of 8/9
    double a = Math.pow(1 / meanLambda, -0.5);
    double b = Math.pow(floor / meanLambda, -0.5);
    // Z = a v1 v1ᵀ + b v2 v2ᵀ, v1 = (1, −1)/√2, v2 = (1, 1)/√2
    double[] z = {(a + b) / 2, (b - a) / 2, (b - a) / 2, (a + b) / 2};
    assertArrayEquals(z, t.whitening(), 1e-9 * b);
    // f1 − μ/m = (1/3, −2/3, −1/3, 2/3, 1/2): at each position the channel pair lies along v1
    // (the mean is m times the data's, the margin 1e-9 below it, which moves this by < 1e-9·b)
    assertArrayEquals(
        new double[] {a / 3, -2 * a / 3, -a / 3, 2 * a / 3, 0.5},
        t.apply(new double[] {1, 0, 0, 1, 0.5}),
        2e-9 * b);
    // w = 0: centring only; w = 0.5: the square root of the w = 1 scales
    assertNull(
        FeatureNormalisation.transform(stats.sum(), stats.upperSecondMoment(), 3, layout, 0)
            .whitening());
    double[] half = FeatureNormalisation.whiten(cov, 0.5);
    double ha = Math.sqrt(a);
    double hb = Math.sqrt(b);
    assertArrayEquals(
        new double[] {(ha + hb) / 2, (hb - ha) / 2, (hb - ha) / 2, (ha + hb) / 2}, half, 1e-9 * hb);
    // exact mode (no privacy): every example scaled by 1/R, none bounded
    float[] big = {10, 0, 0, 0, 0};
    FeatureStatistics exact =
        new FeatureStatistics(5, layout, true, true)
            .add(new ExampleBlock(0, 1, 5, big, new int[1]));
    assertEquals(10 / r, exact.sum()[0], 1e-12);
  }

  /** The noise: √2·σ_n on every released value, upper triangle of M only, mirrored. */
  @Test
  void theNoiseIsAddedOnceToEveryReleasedValue() {
    FeatureLayout layout = new FeatureLayout(3, 1);
    FeatureStatistics empty = new FeatureStatistics(4, layout, true, false);
    NoiseSources.CountingForTesting counting =
        new NoiseSources.CountingForTesting(NoiseSources.seededForTesting(7));
    FeatureTransform t = FeatureNormalisation.release(empty, 1000, 2.0, 1.0, counting);
    assertEquals(2, counting.calls()); // s and upper(M), once each
    double[] z = t.whitening();
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        assertEquals(z[i * 3 + j], z[j * 3 + i], 0.0);
      }
    }
  }

  /**
   * Sensitivity: for any features (huge, tiny, infinite, one channel everywhere) ‖u‖ ≤ 1, and
   * adding one example moves (s, upper(M)) by at most √2 in L2.
   */
  @Test
  void oneExampleMovesTheReleasedSumsByAtMostRootTwo() {
    FeatureLayout layout = new FeatureLayout(3, 4);
    int d = 14;
    SplittableRandom rng = new SplittableRandom(11);
    List<float[]> adversarial = new ArrayList<>();
    for (float scale : new float[] {1e-3f, 1f, 3.7f, 1e6f, 1e30f, Float.MAX_VALUE}) {
      float[] f = new float[d];
      for (int k = 0; k < d; k++) {
        f[k] = (float) (rng.nextGaussian() * scale);
      }
      adversarial.add(f);
      float[] oneChannel = new float[d];
      for (int q = 0; q < 4; q++) {
        oneChannel[q] = scale; // channel 0 at every position: Σ_p ‖v_p‖² = ‖u‖²
      }
      adversarial.add(oneChannel);
    }
    float[] inf = new float[d];
    inf[3] = Float.POSITIVE_INFINITY;
    adversarial.add(inf);
    float[] base = new float[20 * d];
    for (int k = 0; k < base.length; k++) {
      base[k] = (float) (rng.nextGaussian() * 5);
    }
    FeatureStatistics without =
        new FeatureStatistics(d, layout, true, false)
            .add(new ExampleBlock(0, 20, d, base, new int[20]));
    for (float[] x : adversarial) {
      double scale = FeatureStatistics.boundingScale(x, 0, d);
      double sq = 0;
      for (float v : x) {
        sq += (v * scale) * (v * scale);
      }
      assertTrue(Double.isNaN(sq) ? scale == 0 : Math.sqrt(sq) <= 1 + 1e-12, "‖u‖² = " + sq);
      FeatureStatistics with =
          new FeatureStatistics(d, layout, true, false)
              .add(new ExampleBlock(0, 20, d, base, new int[20]))
              .merge(new FeatureStatistics(d, layout, true, false).addRow(x, 0));
      double s = distance(with.sum(), without.sum());
      double m = distance(with.upperSecondMoment(), without.upperSecondMoment());
      assertTrue(s <= 1 + 1e-9 && m <= 1 + 1e-9, s + ", " + m);
      assertTrue(Math.hypot(s, m) <= Math.sqrt(2) + 1e-9);
    }
  }

  private static double distance(double[] a, double[] b) {
    double sq = 0;
    for (int k = 0; k < a.length; k++) {
      sq += (a[k] - b[k]) * (a[k] - b[k]);
    }
    return Math.sqrt(sq);
  }

  /** Merging an empty aggregator changes nothing; blocks aggregate as one fold. */
  @Test
  void mergingIsTheFoldOfTheBlocks() {
    FeatureLayout layout = new FeatureLayout(2, 3);
    SplittableRandom rng = new SplittableRandom(3);
    float[] rows = new float[10 * 7];
    for (int k = 0; k < rows.length; k++) {
      rows[k] = (float) rng.nextGaussian();
    }
    FeatureStatistics all =
        new FeatureStatistics(7, layout, true, false)
            .add(new ExampleBlock(0, 10, 7, rows, new int[10]));
    FeatureStatistics parts =
        new FeatureStatistics(7, layout, true, false)
            .merge(new FeatureStatistics(7, layout, true, false))
            .add(new ExampleBlock(0, 4, 7, java.util.Arrays.copyOf(rows, 28), new int[4]))
            .merge(
                new FeatureStatistics(7, layout, true, false)
                    .add(
                        new ExampleBlock(
                            1, 6, 7, java.util.Arrays.copyOfRange(rows, 28, 70), new int[6])));
    assertArrayEquals(all.sum(), parts.sum(), 1e-12);
    assertArrayEquals(all.upperSecondMoment(), parts.upperSecondMoment(), 1e-12);
    assertEquals(10, parts.count());
  }

  /**
   * Fold: the folded parameters on raw features give the logits the trained ones give on the
   * normalised features (first dense layer; the later layers' parameters are unchanged).
   */
  @Test
  void foldedParametersOnRawFeaturesGiveTheSameLogits() {
    int d = 14; // 3 channels x 4 positions + 2 appended
    FeatureLayout layout = new FeatureLayout(3, 4);
    ModelSpec spec = ModelSpec.mlp(d, new int[] {5}, Activation.TANH, 3);
    SplittableRandom rng = new SplittableRandom(5);
    double[] params = spec.initialParams(9);
    for (int k = 0; k < params.length; k++) {
      params[k] += rng.nextGaussian() * 0.1;
    }
    double[] mean = new double[d];
    for (int k = 0; k < d; k++) {
      mean[k] = rng.nextGaussian();
    }
    double[] z = new double[9];
    for (int i = 0; i < 3; i++) {
      for (int j = i; j < 3; j++) {
        z[i * 3 + j] = z[j * 3 + i] = rng.nextGaussian();
      }
    }
    FeatureTransform t = new FeatureTransform(mean, z, layout);
    double[] folded = t.fold(params, spec);
    int units = 5;
    for (int k = d * units + units; k < params.length; k++) {
      assertEquals(params[k], folded[k], 0.0, "later layers are unchanged");
    }
    for (int e = 0; e < 20; e++) {
      double[] f = new double[d];
      for (int k = 0; k < d; k++) {
        f[k] = rng.nextGaussian() * 3;
      }
      double[] g = t.apply(f);
      for (int u = 0; u < units; u++) {
        double trained = params[d * units + u];
        double raw = folded[d * units + u];
        for (int k = 0; k < d; k++) {
          trained += g[k] * params[k * units + u];
          raw += f[k] * folded[k * units + u];
        }
        assertEquals(trained, raw, 1e-9 * (1 + Math.abs(trained)));
      }
    }
    // the fixed layers of a whole model are skipped: the trained part's first layer is folded
    ModelSpec whole =
        new ModelSpec(
            new Shape(1, 28, 28),
            List.of(
                new LayerSpec.Scattering(2, 8),
                new LayerSpec.GroupNorm(27, false),
                new LayerSpec.AppendInput(0.5)),
            10);
    assertEquals(new FeatureLayout(81, 49), FeatureLayout.of(whole));
    assertEquals(4753, whole.trainable().inputDim());
    assertEquals(
        new FeatureLayout(784, 1), FeatureLayout.of(ModelSpec.logisticRegression(784, 10)));
  }
}
