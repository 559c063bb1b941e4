package org.sparkdpsgd.optim;

/**
 * Adam (Kingma and Ba) with bias correction. Post-processing of noisy gradients: no extra privacy
 * cost.
 */
final class Adam implements Optimizer {
  private final double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double[] m;
  private final double[] v;
  private long t;

  Adam(double learningRate, double beta1, double beta2, double epsilon, int numParams) {
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.m = new double[numParams];
    this.v = new double[numParams];
  }

  @Override
  public void step(double[] params, double[] gradient) {
    step(params, gradient, 1.0);
  }

  /** The moments see the gradient as it is; only the step's size follows the schedule. */
  @Override
  public void step(double[] params, double[] gradient, double rateFactor) {
    double rate = learningRate * rateFactor;
    t++;
    double correction1 = 1 - Math.pow(beta1, t);
    double correction2 = 1 - Math.pow(beta2, t);
    for (int k = 0; k < params.length; k++) {
      m[k] = beta1 * m[k] + (1 - beta1) * gradient[k];
      v[k] = beta2 * v[k] + (1 - beta2) * gradient[k] * gradient[k];
      double mHat = m[k] / correction1;
      double vHat = v[k] / correction2;
      params[k] -= rate * mHat / (Math.sqrt(vHat) + epsilon);
    }
  }

  @Override
  public double[][] state() {
    return new double[][] {m, v, {t}};
  }

  @Override
  public void restore(double[][] state) {
    Optimizer.super.restore(state);
    t = (long) state[2][0];
  }
}
