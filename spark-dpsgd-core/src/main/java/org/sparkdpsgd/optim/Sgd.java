package org.sparkdpsgd.optim;

/** Plain SGD: w ← w − η g. */
final class Sgd implements Optimizer {
  private final double learningRate;

  Sgd(double learningRate) {
    this.learningRate = learningRate;
  }

  @Override
  public void step(double[] params, double[] gradient) {
    for (int k = 0; k < params.length; k++) {
      params[k] -= learningRate * gradient[k];
    }
  }

  @Override
  public double[][] state() {
    return new double[0][];
  }
}
