package org.sparkdpsgd.jobs;

import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkdpsgd.data.SyntheticBlocks;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.train.ConsoleProgress;
import org.sparkdpsgd.train.DpSgdConfig;
import org.sparkdpsgd.train.DpSgdTrainer;

/**
 * One data set of the bench, cached for the whole run: the configured training data, or one size of
 * --synthetic data. Fixed leading layers (a scattering network) are computed once per example
 * whatever the mode, so they are computed once here, outside the measured steps, and timed apart.
 *
 * @param label what the data is, in printed lines and the JSON ("files", "synthetic 60000x100")
 * @param input the blocks as loaded (rows and features as read or generated)
 * @param blocks what the steps train on ({@code input}, or its fixed features)
 * @param fixedSeconds time spent on the fixed layers (0 without them)
 */
record BenchData(String label, TrainingBlocks input, TrainingBlocks blocks, double fixedSeconds)
    implements AutoCloseable {

  /** Seed of --synthetic data: the same rows in every run. */
  static final long SYNTHETIC_SEED = 1;

  static BenchData fromFiles(SparkSession spark, JobConfig c, DpSgdConfig dp) {
    DataPaths paths = DataPaths.of(c);
    TrainingBlocks raw =
        TrainingBlocks.prepare(
            DataLoader.load(
                spark,
                c.string("data.format"),
                paths.train(),
                true,
                c.string("data.features-col"),
                c.string("data.label-col"),
                c.integer("data.limit"),
                c.integer("data.num-features"),
                TextSettings.of(c)),
            c.string("data.features-col"),
            c.string("data.label-col"),
            c.integer("data.num-features"),
            paths.numClasses(c),
            dp.blockRows(),
            "training data " + paths.train(),
            c.number("data.feature-scale"),
            c.number("data.feature-shift"));
    return withFixedFeatures("files", raw, dp);
  }

  static BenchData synthetic(SparkSession spark, SyntheticSize size, int classes, DpSgdConfig dp) {
    long t0 = System.nanoTime();
    TrainingBlocks blocks =
        SyntheticBlocks.generate(
            JavaSparkContext.fromSparkContext(spark.sparkContext()),
            size.rows(),
            size.features(),
            classes,
            dp.blockRows(),
            SYNTHETIC_SEED);
    int checked = (int) Math.min(4096, Math.min(size.rows(), dp.blockRows()));
    System.out.printf(
        Locale.ROOT,
        "bench: synthetic data %s, %d classes from a logistic teacher (its accuracy, the best"
            + " possible: %.3f), generated and cached in %.1f s%n",
        size,
        classes,
        SyntheticBlocks.teacherAccuracy(SYNTHETIC_SEED, size.features(), classes, checked),
        (System.nanoTime() - t0) / 1e9);
    return withFixedFeatures("synthetic " + size, blocks, dp);
  }

  private static BenchData withFixedFeatures(String label, TrainingBlocks raw, DpSgdConfig dp) {
    ModelSpec spec = dp.modelSpec(raw.dim(), raw.numClasses());
    if (spec.fixedLayers() == 0) {
      return new BenchData(label, raw, raw, 0);
    }
    long t0 = System.nanoTime();
    TrainingBlocks features =
        new DpSgdTrainer(new DpSgdConfig())
            .listener(new ConsoleProgress(System.out, 0, 0))
            .fixedFeatures(raw, spec);
    return new BenchData(label, raw, features, (System.nanoTime() - t0) / 1e9);
  }

  /** The whole model (fixed layers included). */
  ModelSpec fullSpec(DpSgdConfig dp) {
    return dp.modelSpec(input.dim(), input.numClasses());
  }

  @Override
  public void close() {
    if (blocks != input) {
      blocks.close();
    }
    input.close();
  }
}
