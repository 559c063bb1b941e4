package org.sparkdpsgd.audit;

import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Standard errors of a maximum-likelihood skew-normal fit, from the observed information (the
 * log-likelihood's Hessian by central differences), and of a function of the fitted parameters by
 * the delta method. Tests compare estimates with the truth in units of these.
 */
final class FitUncertainty {
  private final SkewNormal fit;
  private final RealMatrix covariance;

  FitUncertainty(SkewNormal fit, double[] sample) {
    this.fit = fit;
    double[] theta = params(fit);
    double[][] negHessian = new double[3][3];
    ToDoubleFunction<double[]> ll = p -> SkewNormalFit.logLikelihood(of(p), sample);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        double hi = step(theta[i]);
        double hj = step(theta[j]);
        double pp = ll.applyAsDouble(shift(theta, i, hi, j, hj));
        double pm = ll.applyAsDouble(shift(theta, i, hi, j, -hj));
        double mp = ll.applyAsDouble(shift(theta, i, -hi, j, hj));
        double mm = ll.applyAsDouble(shift(theta, i, -hi, j, -hj));
        negHessian[i][j] = -(pp - pm - mp + mm) / (4 * hi * hj);
      }
    }
    covariance = new LUDecomposition(new Array2DRowRealMatrix(negHessian)).getSolver().getInverse();
  }

  /** Standard errors of location, scale and shape. */
  double[] standardErrors() {
    return new double[] {
      Math.sqrt(covariance.getEntry(0, 0)),
      Math.sqrt(covariance.getEntry(1, 1)),
      Math.sqrt(covariance.getEntry(2, 2))
    };
  }

  /** The delta method's standard error of g(fit). */
  double standardError(ToDoubleFunction<SkewNormal> g) {
    double[] theta = params(fit);
    double[] gradient = new double[3];
    for (int i = 0; i < 3; i++) {
      double h = step(theta[i]);
      gradient[i] =
          (g.applyAsDouble(of(shift(theta, i, h, i, 0)))
                  - g.applyAsDouble(of(shift(theta, i, -h, i, 0))))
              / (2 * h);
    }
    double v = 0;
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        v += gradient[i] * covariance.getEntry(i, j) * gradient[j];
      }
    }
    return Math.sqrt(v);
  }

  private static double step(double x) {
    return 1e-4 * Math.max(1, Math.abs(x));
  }

  private static double[] params(SkewNormal d) {
    return new double[] {d.location(), d.scale(), d.shape()};
  }

  private static SkewNormal of(double[] p) {
    return new SkewNormal(p[0], p[1], p[2]);
  }

  private static double[] shift(double[] p, int i, double hi, int j, double hj) {
    double[] q = p.clone();
    q[i] += hi;
    q[j] += hj;
    return q;
  }
}
