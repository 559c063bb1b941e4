package org.sparkdpsgd.train;

/**
 * Exponential moving average of the weights, with the bias correction of Adam so early steps are
 * not pulled towards zero. It only reads released (noisy) iterates: no privacy cost.
 */
final class WeightAverage {
  private final double decay;
  private final double[] sum;
  private double weight;

  WeightAverage(double[] initial, double decay) {
    this.decay = decay;
    this.sum = new double[initial.length];
  }

  void update(double[] params) {
    for (int k = 0; k < sum.length; k++) {
      sum[k] = decay * sum[k] + (1 - decay) * params[k];
    }
    weight = decay * weight + (1 - decay);
  }

  double[] sum() {
    return sum.clone();
  }

  double weight() {
    return weight;
  }

  void restore(double[] savedSum, double savedWeight) {
    System.arraycopy(savedSum, 0, sum, 0, sum.length);
    weight = savedWeight;
  }

  double[] average() {
    double[] avg = new double[sum.length];
    for (int k = 0; k < sum.length; k++) {
      avg[k] = sum[k] / weight;
    }
    return avg;
  }
}
