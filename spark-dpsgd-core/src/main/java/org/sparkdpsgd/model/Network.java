package org.sparkdpsgd.model;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A {@link ModelSpec} with concrete parameters as ND4J arrays of one data type (FLOAT for training,
 * DOUBLE for exact tests). Computes per-example losses, gradient norms and clipped gradient sums
 * for a batch of sampled rows. Belongs to one thread (layers keep their last forward pass for the
 * backward pass).
 */
public final class Network {
  private final ModelSpec spec;
  private final DataType dtype;
  private final List<Layer> layers = new ArrayList<>();

  public Network(ModelSpec spec, double[] params, DataType dtype) {
    this.spec = spec;
    this.dtype = dtype;
    List<Shape> shapes = spec.inputShapes();
    List<LayerSpec> all = spec.allLayers();
    for (int l = 0; l < all.size(); l++) {
      layers.add(all.get(l).create(shapes.get(l), spec.input(), dtype));
    }
    load(params);
  }

  /**
   * Copies a flat parameter vector into this network's arrays (reusing them: a native allocation
   * costs more than the copy).
   */
  public Network load(double[] params) {
    return load(params.length, (off, target) -> Arrays2.write(params, off, target));
  }

  /**
   * As {@link #load(double[])}, from float parameters (a float network copies them as they are).
   */
  public Network load(float[] params) {
    return load(params.length, (off, target) -> Arrays2.copyFrom(params, off, target));
  }

  /** Copies one parameter array's values, starting at {@code off} of the flat vector. */
  private interface PartCopy {
    void into(int off, INDArray target);
  }

  private Network load(int length, PartCopy copy) {
    if (length != spec.numParams()) {
      throw new IllegalArgumentException(
          "parameter vector has " + length + " values; " + spec + " needs " + spec.numParams());
    }
    int off = 0;
    for (Layer layer : layers) {
      for (INDArray target : layer.params()) {
        copy.into(off, target);
        off += (int) target.length();
      }
      layer.paramsLoaded();
    }
    return this;
  }

  public ModelSpec spec() {
    return spec;
  }

  public DataType dtype() {
    return dtype;
  }

  List<Layer> layers() {
    return layers;
  }

  /** Input rows as an [m × inputDim] array of this network's type. */
  public INDArray input(float[] rowMajor, int m) {
    INDArray x = Nd4j.createUninitialized(dtype, m, spec.inputDim());
    Arrays2.copyFrom(rowMajor, 0, x);
    return x;
  }

  /**
   * Logits for a batch (forward pass only): [m × classes] for a classifier; for a language model,
   * whose rows hold window + 1 ids, [m, T, V] (position t's prediction of id t + 1).
   */
  public INDArray logits(INDArray x) {
    return forward(spec.isSequence() ? windows(x).inputs() : x);
  }

  private INDArray forward(INDArray x) {
    INDArray a = x;
    for (Layer layer : layers) {
      a = layer.forward(a, x);
    }
    return a;
  }

  private TokenWindows windows(INDArray rows) {
    return TokenWindows.of(rows, spec.window(), spec.numClasses());
  }

  /**
   * Class probabilities for a batch ([m × classes]); for a language model the next-symbol
   * probabilities at every position ([m, T, V]).
   */
  public INDArray probabilities(INDArray x) {
    INDArray z = logits(x);
    INDArray rows = z.reshape('c', z.length() / z.size(z.rank() - 1), z.size(z.rank() - 1));
    return Transforms.exp(SoftmaxCrossEntropy.logSoftmax(rows), false).reshape('c', z.shape());
  }

  /**
   * A language model's log-likelihood of each row's window: Σ log p(id t + 1 | ids ≤ t) over the
   * targets that are not padding, and their number.
   */
  public WindowScores sequenceLogLikelihoods(INDArray x) {
    if (!spec.isSequence()) {
      throw new IllegalStateException(spec + " is not a language model");
    }
    TokenWindows w = windows(x);
    return SequenceCrossEntropy.logLikelihoods(forward(w.inputs()), w);
  }

  /**
   * Forward and backward pass of a batch; keeps what per-example clipping needs. A language model
   * takes its targets from the rows and ignores {@code labels}.
   */
  public BatchGradients forwardBackward(INDArray x, int[] labels) {
    SoftmaxCrossEntropy.LossAndGradient loss;
    if (spec.isSequence()) {
      TokenWindows w = windows(x);
      loss = SequenceCrossEntropy.lossAndGradient(forward(w.inputs()), w);
    } else {
      loss = SoftmaxCrossEntropy.lossAndGradient(forward(x), labels);
    }
    INDArray losses = loss.losses();
    INDArray delta = loss.gradient();
    List<ParamGradients> grads = new ArrayList<>();
    // Fixed leading layers have no parameters, so the pass stops at the first trained layer, which
    // needs no input gradient either.
    int firstTrained = spec.fixedLayers();
    for (int l = layers.size() - 1; l >= firstTrained; l--) {
      delta = layers.get(l).backward(delta, l > firstTrained, grads);
    }
    // Backward visits layers last to first; the flat parameter layout is first to last.
    java.util.Collections.reverse(grads);
    return new BatchGradients(spec, grads, losses);
  }
}
