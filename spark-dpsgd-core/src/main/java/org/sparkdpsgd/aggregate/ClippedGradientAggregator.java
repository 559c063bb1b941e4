package org.sparkdpsgd.aggregate;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.sparkdpsgd.data.ExampleBlock;
import org.sparkdpsgd.sampling.MicrobatchAssignment;
import org.sparkdpsgd.sampling.PoissonSampler;

/**
 * The unit of distributed work of one step: {@link #add} Poisson-samples a block and adds the
 * clipped per-example gradients of the sampled rows; {@link #merge} adds another aggregator. It
 * holds SUMS, never means: the driver divides by the expected batch size, because the realised
 * sample size depends on who is in the data. Sums are merged exactly, in fixed point ({@link
 * ExactSum}), so the result does not depend on the merge order or on retries.
 *
 * <p>The computing is done by {@link ClippedBatches}, which is transient: pending work is finished
 * before the aggregator is serialised or merged, so the empty aggregator Spark ships as the zero
 * value stays small.
 *
 * <p>A task's own sum travels to the driver as it was computed, before its rounding to the grid
 * (the receiver rounds it, the same deterministic function wherever it runs): sums computed in
 * float are exactly representable as floats, so they travel in 4 bytes per parameter instead of the
 * grid's 8 ({@link CompactSums}), which halves what each task sends back per step.
 *
 * <p>With microbatches ({@link StepContext#microbatches}) each sampled row also draws its
 * microbatch ({@link MicrobatchAssignment}), the aggregator holds every microbatch's unclipped sum
 * and size ({@link MicrobatchSums}), and {@link #gradientSum} clips each microbatch's mean there,
 * on the driver, once every task's part has been merged.
 */
public final class ClippedGradientAggregator implements Serializable {
  private final StepContext context;
  private final Supplier<StepWeights> weights;

  /** Sums already on the grid (merged from other aggregators); null if none. */
  private transient ExactSum gradientSum;

  /**
   * The last finished batches' sum, not yet rounded to the grid: as the floats it was summed in
   * (the usual case: no row took the double path), or in double; null both if none.
   */
  private transient float[] unroundedFloats;

  private transient double[] unrounded;

  private transient double lossSum; // travels with the sums (toWire)

  /** Microbatches: their unclipped sums and sizes so far; null if none or per-example. */
  private transient MicrobatchSums microbatches;

  private transient ClippedBatches batches;
  private transient UserGradients userGradients; // user-level blocks only
  private transient PoissonSampler.Step sampler; // one per task: keyed once, not once per block
  private transient MicrobatchAssignment assignment; // microbatches only

  /**
   * @param weights the step's parameters; on a cluster a supplier that reads a broadcast variable
   *     (it must be Serializable)
   */
  public ClippedGradientAggregator(StepContext context, Supplier<double[]> weights) {
    this(new Wide(weights), context);
  }

  /**
   * @param weights the step's parameters as {@link StepWeights#forStep} gives them; on a cluster a
   *     Serializable supplier that reads a broadcast variable
   */
  public static ClippedGradientAggregator of(StepContext context, Supplier<StepWeights> weights) {
    return new ClippedGradientAggregator(weights, context);
  }

  private ClippedGradientAggregator(Supplier<StepWeights> weights, StepContext context) {
    this.context = context;
    this.weights = weights;
  }

  /** Double weights from a Serializable supplier of double[]. */
  private record Wide(Supplier<double[]> params) implements Supplier<StepWeights>, Serializable {
    @Override
    public StepWeights get() {
      return StepWeights.ofDoubles(params.get());
    }
  }

  public ClippedGradientAggregator add(ExampleBlock block) {
    if (sampler == null) {
      sampler = PoissonSampler.forStep(context.samplingKey(), context.step());
    }
    if (block.byUser()) {
      return addUsers(block);
    }
    int[] rows = sampler.sample(block.blockId(), block.rows(), context.samplingRate());
    if (rows.length == 0) {
      return this;
    }
    int[] microbatch = null;
    if (context.microbatches()) {
      if (assignment == null) {
        assignment = MicrobatchAssignment.forStep(context.samplingKey(), context.step());
      }
      microbatch = assignment.assign(block.blockId(), rows.length, context.numMicrobatches());
    }
    if (batches == null) {
      batches = new ClippedBatches(context, weights.get());
    }
    batches.add(block, rows, microbatch);
    return this;
  }

  /**
   * Adds every block of a task, split over {@code threads} threads: the task's cores ({@code
   * spark.task.cpus}), so that a task that owns several cores computes its sample on all of them.
   * The blocks are dealt out by their position in the list (part j takes blocks j, j + parts, ...),
   * and each part's sum is rounded to the grid on its own and merged exactly, as if each part were
   * a task of its own: adding or removing an example changes only its part's sum, which keeps the
   * sensitivity of {@link ExactSum}. With one thread (or one block) it is {@link #add} for each.
   */
  public ClippedGradientAggregator addAll(List<ExampleBlock> blocks, int threads) {
    int parts = Math.min(threads, blocks.size());
    if (parts <= 1) {
      for (ExampleBlock b : blocks) {
        add(b);
      }
      return this;
    }
    List<Callable<ClippedGradientAggregator>> work = new ArrayList<>();
    for (int j = 0; j < parts; j++) {
      int first = j;
      work.add(
          () -> {
            ClippedGradientAggregator part = new ClippedGradientAggregator(weights, context);
            for (int k = first; k < blocks.size(); k += parts) {
              part.add(blocks.get(k));
            }
            // Computed and rounded on this part's thread, not by the merge below.
            part.finish();
            part.round();
            return part;
          });
    }
    for (ClippedGradientAggregator part : PartThreads.runAll(work)) {
      merge(part);
    }
    return this;
  }

  /**
   * User-level privacy: Poisson-samples the block's users (each kept with probability q, from the
   * same per-block stream rows would use) and adds each sampled user's clipped mean gradient.
   */
  private ClippedGradientAggregator addUsers(ExampleBlock block) {
    if (context.microbatches()) {
      throw new IllegalStateException("user-level blocks cannot be split into microbatches");
    }
    int[] users = sampler.sample(block.blockId(), block.users(), context.samplingRate());
    if (users.length == 0) {
      return this;
    }
    if (userGradients == null) {
      userGradients = new UserGradients(context, weights.get());
    }
    userGradients.add(block, users);
    return this;
  }

  public ClippedGradientAggregator merge(ClippedGradientAggregator other) {
    finish();
    other.finish();
    round();
    if (other.gradientSum != null) {
      gradientSum =
          gradientSum == null ? other.gradientSum.copy() : gradientSum.add(other.gradientSum);
    }
    // The other's task sum, not yet on the grid, rounded straight into ours: the same integers as
    // rounding it on its own and adding (a driver receiving task results skips that copy).
    unroundedFloats = other.unroundedFloats;
    unrounded = other.unrounded;
    round();
    if (other.microbatches != null) {
      microbatches =
          microbatches == null
              ? new MicrobatchSums(context.numMicrobatches(), context.spec().numParams())
                  .merge(other.microbatches)
              : microbatches.merge(other.microbatches);
    }
    lossSum += other.lossSum;
    return this;
  }

  /**
   * Σ c_i g_i over the sampled examples (zeros if none was sampled); with microbatches, Σ over
   * non-empty microbatches of their mean gradient clipped to C ({@link MicrobatchSums#clippedSum}).
   */
  public double[] gradientSum() {
    finish();
    round();
    if (microbatches != null) {
      gradientSum = microbatches.clippedSum(context.l2NormClip(), context.fixedPointUnit());
      microbatches = null;
    }
    return gradientSum == null ? new double[context.spec().numParams()] : gradientSum.toDoubles();
  }

  /** Microbatches: how many were non-empty before {@link #gradientSum} (tests only). */
  int nonEmptyMicrobatches() {
    finish();
    return microbatches == null ? 0 : microbatches.nonEmpty();
  }

  /** Sum of the per-example losses (unclipped) over the sampled examples. */
  public double lossSum() {
    finish();
    return lossSum;
  }

  /**
   * Computes what is pending. Each finished batch sum is rounded to the grid exactly once, on its
   * own (see {@link ExactSum}): an earlier unrounded sum is rounded before it is replaced.
   */
  private void finish() {
    if (userGradients != null) {
      ExactSum users = userGradients.sum();
      gradientSum = gradientSum == null ? users : gradientSum.add(users);
      lossSum += userGradients.lossSum();
      userGradients = null;
    }
    if (batches == null) {
      return;
    }
    if (context.microbatches()) {
      MicrobatchSums mine = batches.finishMicrobatches();
      microbatches = microbatches == null ? mine : microbatches.merge(mine);
      lossSum += batches.lossSum();
      batches = null;
      return;
    }
    round();
    unroundedFloats = batches.finishFloats();
    if (unroundedFloats == null) {
      unrounded = batches.finish();
    }
    lossSum += batches.lossSum();
    batches = null;
  }

  /**
   * Rounds the unrounded sum into fixed point, each value on its own, and adds it to the exact sums
   * in the same pass.
   */
  private void round() {
    if (unroundedFloats == null && unrounded == null) {
      return;
    }
    if (gradientSum == null) {
      int n = unroundedFloats != null ? unroundedFloats.length : unrounded.length;
      gradientSum = ExactSum.zeros(n, context.fixedPointUnit());
    }
    if (unroundedFloats != null) {
      gradientSum.addRounded(unroundedFloats);
    } else {
      gradientSum.addRounded(unrounded);
    }
    unroundedFloats = null;
    unrounded = null;
  }

  /**
   * What this aggregator holds (loss sum, exact sums, the unrounded task sum), losslessly and in
   * bulk, without the context or the weights: what resident tasks send, and the sums' part of the
   * aggregator's Java serialisation (one form for both).
   */
  public byte[] toWire() {
    finish();
    // Float sums go as they are; double sums as floats where every value is one.
    boolean narrow = unrounded != null && CompactSums.allFloats(unrounded);
    ByteBuffer b =
        ByteBuffer.allocate(
                8
                    + 1
                    + (gradientSum == null ? 0 : gradientSum.size())
                    + (unroundedFloats != null
                        ? CompactSums.size(unroundedFloats)
                        : CompactSums.size(unrounded, narrow))
                    + (context.microbatches() ? 1 + microbatchesSize() : 0))
            .order(CompactSums.ORDER);
    b.putDouble(lossSum);
    b.put((byte) (gradientSum == null ? 0 : 1));
    if (gradientSum != null) {
      gradientSum.put(b);
    }
    if (unroundedFloats != null) {
      CompactSums.put(unroundedFloats, b);
    } else {
      CompactSums.put(unrounded, narrow, b);
    }
    if (context.microbatches()) {
      b.put((byte) (microbatches == null ? 0 : 1));
      if (microbatches != null) {
        microbatches.put(b);
      }
    }
    return b.array();
  }

  private int microbatchesSize() {
    return microbatches == null ? 0 : microbatches.size();
  }

  /**
   * An aggregator of {@code context}'s step holding what {@link #toWire} wrote; it adds no rows.
   */
  public static ClippedGradientAggregator fromWire(StepContext context, byte[] wire)
      throws IOException {
    ClippedGradientAggregator a = new ClippedGradientAggregator(NO_WEIGHTS, context);
    a.readWire(wire);
    return a;
  }

  private void readWire(byte[] wire) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(wire).order(CompactSums.ORDER);
    lossSum = b.getDouble();
    if (b.get() == 1) {
      gradientSum = ExactSum.get(b);
    }
    CompactSums.Read task = CompactSums.read(b);
    unroundedFloats = task.floats();
    unrounded = task.doubles();
    if (context.microbatches() && b.get() == 1) {
      microbatches = MicrobatchSums.get(b);
    }
    if (b.hasRemaining()) {
      throw new IOException("a task's result has " + b.remaining() + " bytes too many");
    }
  }

  /** The weights of an aggregator that only merges (read from the wire). */
  private static final Supplier<StepWeights> NO_WEIGHTS =
      (Supplier<StepWeights> & Serializable)
          () -> {
            throw new IllegalStateException("an aggregator read from the wire adds no rows");
          };

  private void writeObject(ObjectOutputStream out) throws IOException {
    byte[] sums = toWire(); // finishes pending work first
    out.defaultWriteObject();
    out.writeInt(sums.length);
    out.write(sums);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    byte[] sums = new byte[in.readInt()];
    in.readFully(sums);
    readWire(sums);
  }
}
