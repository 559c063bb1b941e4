package org.sparkdpsgd.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Training data made up on the executors, for benchmarks at any size without a file: rows of
 * independent standard normal features, labelled by a fixed multinomial logistic "teacher" (label k
 * with probability softmax(W·x)_k), so the data has a known ground truth that logistic regression
 * can learn (the teacher is the best possible classifier). Everything follows from the seed: block
 * b is the same block whenever and wherever it is generated, so a block lost with its executor is
 * regenerated as it was, and its Poisson samples stay the same. Public, made-up data: the
 * generator's randomness is not secret and need not be.
 */
public final class SyntheticBlocks {
  /** The teacher's logits have this standard deviation: the classes overlap, but not much. */
  static final double LOGIT_SCALE = 3.0;

  private SyntheticBlocks() {}

  /**
   * {@code rows} rows of {@code dim} features in {@code numClasses} classes, in blocks of {@code
   * blockRows} rows (block ids 0, 1, ...; the last block may be shorter), spread over one partition
   * per core, generated and cached as other data is. The caller closes the result.
   */
  public static TrainingBlocks generate(
      JavaSparkContext jsc, long rows, int dim, int numClasses, int blockRows, long seed) {
    if (rows < 1 || dim < 1 || numClasses < 2 || blockRows < 1) {
      throw new IllegalArgumentException(
          "synthetic data needs rows >= 1, features >= 1, classes >= 2, block rows >= 1; provided: "
              + rows
              + ", "
              + dim
              + ", "
              + numClasses
              + ", "
              + blockRows);
    }
    int rowsPerBlock = (int) Math.min(blockRows, Math.max(1, Integer.MAX_VALUE / dim));
    long blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
    if (blocks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many synthetic blocks: " + blocks);
    }
    List<Integer> ids = new ArrayList<>((int) blocks);
    for (int b = 0; b < blocks; b++) {
      ids.add(b);
    }
    int partitions = (int) Math.max(1, Math.min(TrainingBlocks.taskSlots(jsc.sc()), blocks));
    JavaRDD<ExampleBlock> rdd =
        jsc.parallelize(ids, partitions)
            .map(
                b -> {
                  int n = (int) Math.min(rowsPerBlock, rows - (long) b * rowsPerBlock);
                  return block(seed, b, n, dim, numClasses);
                });
    return TrainingBlocks.cached(
        rdd,
        String.format("synthetic %dx%d, %d classes, seed %d", rows, dim, numClasses, seed),
        dim,
        numClasses);
  }

  /**
   * How often the teacher's most likely class is the drawn label, on block 0's first {@code rows}
   * rows: the accuracy of the best possible classifier, up to sampling error (about 0.7% for 4096
   * rows), which a learned model can approach but not beat.
   */
  public static double teacherAccuracy(long seed, int dim, int numClasses, int rows) {
    ExampleBlock b = block(seed, 0, rows, dim, numClasses);
    float[] w = teacher(seed, dim, numClasses);
    double[] logits = new double[numClasses];
    int right = 0;
    for (int r = 0; r < rows; r++) {
      teacherLogits(w, b.features(), r * dim, dim, logits);
      int best = 0;
      for (int k = 1; k < numClasses; k++) {
        best = logits[k] > logits[best] ? k : best;
      }
      right += best == b.labels()[r] ? 1 : 0;
    }
    return (double) right / rows;
  }

  /** Block {@code id}: its rows depend only on (seed, id, rows, dim, numClasses). */
  static ExampleBlock block(long seed, long id, int rows, int dim, int numClasses) {
    float[] teacher = teacher(seed, dim, numClasses);
    SplittableRandom rng = new SplittableRandom(mix(seed, id));
    float[] x = new float[rows * dim];
    int[] y = new int[rows];
    double[] logits = new double[numClasses];
    for (int r = 0; r < rows; r++) {
      int offset = r * dim;
      for (int j = 0; j < dim; j++) {
        x[offset + j] = (float) rng.nextGaussian();
      }
      y[r] = draw(teacherLogits(teacher, x, offset, dim, logits), rng.nextDouble());
    }
    return new ExampleBlock(id, rows, dim, x, y);
  }

  /**
   * The teacher's weights W (numClasses × dim, row-major): standard normals scaled so that each
   * logit W_k·x has standard deviation {@link #LOGIT_SCALE} over x ~ N(0, I).
   */
  public static float[] teacher(long seed, int dim, int numClasses) {
    SplittableRandom rng = new SplittableRandom(mix(seed, -1));
    float[] w = new float[numClasses * dim];
    double scale = LOGIT_SCALE / Math.sqrt(dim);
    for (int k = 0; k < w.length; k++) {
      w[k] = (float) (scale * rng.nextGaussian());
    }
    return w;
  }

  /** W·x for the row of {@code x} at {@code offset}, into {@code out}. */
  public static double[] teacherLogits(float[] w, float[] x, int offset, int dim, double[] out) {
    for (int k = 0; k < out.length; k++) {
      double s = 0;
      for (int j = 0; j < dim; j++) {
        s += (double) w[k * dim + j] * x[offset + j];
      }
      out[k] = s;
    }
    return out;
  }

  /** The class whose softmax interval holds {@code u}, a uniform draw in [0, 1). */
  static int draw(double[] logits, double u) {
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double total = 0;
    for (double l : logits) {
      total += Math.exp(l - max);
    }
    double target = u * total;
    double cumulative = 0;
    for (int k = 0; k < logits.length - 1; k++) {
      cumulative += Math.exp(logits[k] - max);
      if (target < cumulative) {
        return k;
      }
    }
    return logits.length - 1;
  }

  /** A seed per (run seed, block): distinct blocks get unrelated streams. */
  private static long mix(long seed, long id) {
    return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (id + 1))).nextLong();
  }
}
