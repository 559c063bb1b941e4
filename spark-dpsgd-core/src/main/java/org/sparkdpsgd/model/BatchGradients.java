package org.sparkdpsgd.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The result of a forward and backward pass over m examples: each layer's input activations and
 * output deltas (one row per example), from which per-example gradient norms and the clipped sum
 * follow without materialising per-example gradients.
 */
public final class BatchGradients {
  private final ModelSpec spec;
  private final INDArray[] inputs;
  private final INDArray[] deltas;
  private final INDArray losses;

  BatchGradients(ModelSpec spec, INDArray[] inputs, INDArray[] deltas, INDArray losses) {
    this.spec = spec;
    this.inputs = inputs;
    this.deltas = deltas;
    this.losses = losses;
  }

  public int size() {
    return (int) losses.length();
  }

  /** Sum of the per-example losses; an example whose loss overflowed is left out. */
  public double lossSum() {
    double sum = 0;
    for (double l : DenseLayer.flat(losses)) {
      if (Double.isFinite(l)) {
        sum += l;
      }
    }
    return sum;
  }

  /** ‖g_i‖² over all layers (in double precision). */
  public double[] squaredNorms() {
    double[] total = new double[size()];
    for (int l = 0; l < inputs.length; l++) {
      DenseLayer.addPerExampleSquaredNorms(inputs[l], deltas[l], total);
    }
    return total;
  }

  /**
   * Adds Σ_i c_i g_i to {@code out} (length = number of parameters). {@code factors} null adds the
   * plain sum (the non-private baseline).
   */
  public void addWeightedSum(double[] factors, double[] out) {
    GradientSums sums = new GradientSums(spec, losses.dataType());
    addWeightedSum(factors, sums);
    sums.addTo(out);
  }

  /** Adds Σ_i c_i g_i to running sums. {@code factors} null adds the plain sum. */
  public void addWeightedSum(double[] factors, GradientSums sums) {
    INDArray c =
        factors == null
            ? null
            : Nd4j.create(factors, new long[] {factors.length, 1}, 'c').castTo(losses.dataType());
    if (factors != null) {
      zeroDroppedRows(factors);
    }
    for (int l = 0; l < inputs.length; l++) {
      DenseLayer.addWeightedGradientSum(inputs[l], deltas[l], c, sums.weights[l], sums.biases[l]);
    }
  }

  /**
   * Rows with factor 0 (non-finite gradients) are set to zero in every layer: multiplying an
   * infinite activation by a zero factor would give NaN and poison the whole sum.
   */
  private void zeroDroppedRows(double[] factors) {
    for (int i = 0; i < factors.length; i++) {
      if (factors[i] == 0.0) {
        for (int l = 0; l < inputs.length; l++) {
          inputs[l].getRow(i).assign(0.0);
          deltas[l].getRow(i).assign(0.0);
        }
      }
    }
  }
}
