package org.sparkdpsgd.optim;

/** Heavy-ball momentum (as torch.optim.SGD): v ← μ v + g; w ← w − η v. */
final class Momentum implements Optimizer {
  private final double learningRate;
  private final double momentum;
  private final double[] velocity;

  Momentum(double learningRate, double momentum, int numParams) {
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.velocity = new double[numParams];
  }

  @Override
  public void step(double[] params, double[] gradient) {
    for (int k = 0; k < params.length; k++) {
      velocity[k] = momentum * velocity[k] + gradient[k];
      params[k] -= learningRate * velocity[k];
    }
  }

  @Override
  public double[][] state() {
    return new double[][] {velocity};
  }
}
