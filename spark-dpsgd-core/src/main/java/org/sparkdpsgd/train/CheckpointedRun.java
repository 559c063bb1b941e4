package org.sparkdpsgd.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import org.sparkdpsgd.optim.Optimizer;

/**
 * The bookkeeping that makes a run resumable without forgetting spent privacy: where it resumes,
 * what an interrupted attempt already charged, and the reservations written before steps run.
 * Without a checkpoint directory every method is a no-op and the run starts at step 1.
 */
final class CheckpointedRun {
  /**
   * The checkpoint directory (null if none), this run's fingerprint, the newest readable checkpoint
   * (null if none) and the largest charge any checkpoint file records.
   */
  record Resume(CheckpointStore store, ObjectNode run, Checkpoint latest, long recordedCharge) {
    /** Steps earlier attempts charged: the newest file's reservation, readable or not. */
    long earlierCharge() {
      return Math.max(recordedCharge, latest == null ? 0 : latest.chargedSteps());
    }

    /** Where the checkpoints are (fully qualified), or null without checkpoints. */
    String location() {
      return store == null ? null : store.location();
    }
  }

  private final Resume resume;
  private final int every;
  private final long steps;

  CheckpointedRun(Resume resume, int every, long steps) {
    this.resume = resume;
    this.every = every;
    this.steps = steps;
  }

  /** The first step to run: 1, or the one after the last checkpoint. */
  long firstStep() {
    return resume.latest() == null ? 1 : resume.latest().step() + 1;
  }

  boolean complete() {
    return resume.latest() != null && resume.latest().complete();
  }

  /**
   * Restores the state of the last checkpoint into the optimizer, the average and the metrics, and
   * charges what earlier attempts may have released: the steps the newest checkpoint file reserved
   * (its noisy updates existed), also when that file cannot be read. Returns the parameters to
   * start from.
   */
  double[] restore(
      double[] initial,
      Optimizer optimizer,
      WeightAverage average,
      List<StepMetrics> metrics,
      PrivacyCharge charge,
      ProgressListener listener) {
    Checkpoint last = resume.latest();
    long charged = resume.earlierCharge();
    charge.chargeEarlier(charged);
    if (last == null) {
      if (charged > 0) {
        listener.onNote(
            "no readable checkpoint in "
                + resume.store().location()
                + ", but its files record "
                + charged
                + " charged steps: starting from the first step with those charged");
      }
      return initial;
    }
    optimizer.restore(last.optimizerState());
    if (average != null) {
      average.restore(last.emaSum(), last.emaWeight());
    }
    metrics.addAll(last.metrics());
    listener.onNote(
        last.complete()
            ? "checkpoint in "
                + resume.store().location()
                + ": this run is complete ("
                + last.step()
                + " steps); nothing to do"
            : String.format(
                Locale.ROOT,
                "resuming from the checkpoint in %s after step %d; %d steps already"
                    + " charged (%d of them released by the interrupted attempt after its last checkpoint)",
                resume.store().location(),
                last.step(),
                charged,
                charged - last.step()));
    return last.params().clone();
  }

  /**
   * Before step t: at the first step and after each checkpoint interval, writes a checkpoint that
   * reserves the steps up to the next one as charged, BEFORE they run.
   */
  void reserveBefore(
      long t,
      long charged,
      double[] params,
      Optimizer optimizer,
      WeightAverage average,
      List<StepMetrics> metrics) {
    if (resume.store() == null || (t != firstStep() && (t - 1) % every != 0)) {
      return;
    }
    long ahead = Math.min(every - (t - 1) % every, steps - t + 1);
    resume
        .store()
        .write(
            Checkpoint.of(
                resume.run(), t - 1, charged + ahead, false, params, optimizer, average, metrics));
  }

  /** After the last step: the final checkpoint, marked complete (unless it already was). */
  void finish(
      long charged,
      double[] params,
      Optimizer optimizer,
      WeightAverage average,
      List<StepMetrics> metrics) {
    if (resume.store() != null && !complete()) {
      resume
          .store()
          .write(
              Checkpoint.of(
                  resume.run(), steps, charged, true, params, optimizer, average, metrics));
    }
  }
}
