package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The one-pass loss and gradient against the closed forms computed in double, and bad labels. */
class SoftmaxCrossEntropyTest {
  @Test
  void lossesAndGradientsMatchTheClosedForm() {
    SplittableRandom rng = new SplittableRandom(7);
    int m = 50;
    int k = 10;
    double[] z = new double[m * k];
    for (int i = 0; i < z.length; i++) {
      // Large logits too: the row maximum must be subtracted before exp.
      z[i] = (rng.nextDouble() * 2 - 1) * (i < k ? 2000 : 8);
    }
    int[] y = new int[m];
    for (int i = 0; i < m; i++) {
      y[i] = rng.nextInt(k);
    }
    for (DataType dtype : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      INDArray logits = Nd4j.create(z, new long[] {m, k}, 'c').castTo(dtype);
      double[] stored = Arrays2.flat(logits); // the logits as the network holds them
      SoftmaxCrossEntropy.LossAndGradient lg = SoftmaxCrossEntropy.lossAndGradient(logits, y);
      double[] losses = Arrays2.flat(lg.losses());
      double[] grad = Arrays2.flat(lg.gradient());
      double tol = dtype == DataType.FLOAT ? 1e-6 : 1e-12;
      for (int i = 0; i < m; i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
          max = Math.max(max, stored[i * k + j]);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
          sum += Math.exp(stored[i * k + j] - max);
        }
        double logSum = max + Math.log(sum);
        assertEquals(logSum - stored[i * k + y[i]], losses[i], tol * Math.max(1, losses[i]));
        for (int j = 0; j < k; j++) {
          double p = Math.exp(stored[i * k + j] - logSum);
          assertEquals(p - (j == y[i] ? 1 : 0), grad[i * k + j], tol, dtype + " row " + i);
        }
      }
    }
  }

  @Test
  void aLabelOutsideTheClassesIsRefused() {
    INDArray logits = Nd4j.zeros(DataType.FLOAT, 2, 3);
    assertThrows(
        IllegalArgumentException.class,
        () -> SoftmaxCrossEntropy.lossAndGradient(logits, new int[] {0, 3}));
    assertThrows(
        IllegalArgumentException.class,
        () -> SoftmaxCrossEntropy.lossAndGradient(logits, new int[] {-1, 0}));
  }
}
