package org.sparkdpsgd.jobs;

import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.train.DpSgdTrainer;

/**
 * Rows ready for a model's trainable part: for a model with fixed leading layers (a scattering
 * network) they are mapped through those layers once and cached, so that the final test score and
 * every snapshot on the report's curves, or every run of a repeat, do not recompute them (eleven
 * scorings of 10,000 Fashion-MNIST images took longer than the training). The caller closes it.
 */
record TrainableInput(TrainingBlocks blocks, ModelSpec spec, boolean owned)
    implements AutoCloseable {
  static TrainableInput of(DpSgdTrainer trainer, TrainingBlocks rows, ModelSpec spec) {
    if (spec.fixedLayers() == 0) {
      return new TrainableInput(rows, spec, false);
    }
    return new TrainableInput(trainer.fixedFeatures(rows, spec), spec.trainable(), true);
  }

  @Override
  public void close() {
    if (owned) {
      blocks.close();
    }
  }
}
