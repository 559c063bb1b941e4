package org.sparkdpsgd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A convolution's two per-example norm forms (materialised D_iᵀU_i and the Gram-matrix ghost form)
 * give the same norms and the same weighted sums, and the cheaper one is chosen for each shape.
 */
class ConvNormFormsTest {
  @Test
  void ghostAndMaterialisedFormsAgree() {
    Shape in = new Shape(3, 7, 7);
    LayerSpec.Conv2D spec = new LayerSpec.Conv2D(4, 3, 2, 1);
    Shape out = spec.outputShape(in);
    SplittableRandom rng = new SplittableRandom(3);
    int m = 5;
    double[] w = new double[spec.numParams(in)];
    for (int k = 0; k < w.length; k++) {
      w[k] = rng.nextGaussian();
    }
    INDArray x = gaussian(rng, m, in.size());
    INDArray dOut =
        gaussian(rng, m, out.size()).reshape(m, out.channels(), out.height(), out.width());
    double[] c = {0.3, 1.0, 0.0, 0.7, 0.05};
    double[][] norms = new double[2][m];
    double[][] sums = new double[2][];
    for (int form = 0; form < 2; form++) {
      Conv2DLayer layer = new Conv2DLayer(spec, in, out, DataType.DOUBLE, form == 1);
      load(layer, w);
      layer.forward(x);
      List<ParamGradients> grads = new ArrayList<>();
      layer.backward(dOut, true, grads);
      grads.get(0).addSquaredNorms(norms[form]);
      INDArray[] acc = {Nd4j.zeros(DataType.DOUBLE, 4, 27), Nd4j.zeros(DataType.DOUBLE, 4)};
      grads.get(0).addWeightedSum(Nd4j.create(c, new long[] {m, 1}, 'c'), acc);
      sums[form] = Nd4j.concat(0, acc[0].reshape(-1), acc[1]).toDoubleVector();
    }
    for (int i = 0; i < m; i++) {
      assertEquals(norms[0][i], norms[1][i], 1e-9 * norms[0][i], "squared norm of example " + i);
    }
    assertArrayEquals(sums[0], sums[1], 1e-9);
  }

  @Test
  void cheaperFormIsChosenFromTheShape() {
    // First layer of a Fashion-MNIST CNN: 196 positions, 16 filters × 64 patch values →
    // materialise.
    LayerSpec.Conv2D first = new LayerSpec.Conv2D(16, 8, 2, 3);
    Shape image = new Shape(1, 28, 28);
    assertFalse(Conv2DLayer.ghostIsCheaper(image, first.outputShape(image), first));
    // A deep layer with few positions and wide patches → Gram form.
    LayerSpec.Conv2D deep = new LayerSpec.Conv2D(64, 3, 2, 1);
    Shape small = new Shape(64, 4, 4);
    assertTrue(Conv2DLayer.ghostIsCheaper(small, deep.outputShape(small), deep));
  }

  private static void load(Conv2DLayer layer, double[] w) {
    int off = 0;
    for (INDArray p : layer.params()) {
      double[] part = new double[(int) p.length()];
      System.arraycopy(w, off, part, 0, part.length);
      p.data().setData(part);
      off += part.length;
    }
  }

  private static INDArray gaussian(SplittableRandom rng, int rows, int cols) {
    double[] v = new double[rows * cols];
    for (int k = 0; k < v.length; k++) {
      v[k] = rng.nextGaussian();
    }
    return Nd4j.create(v, new long[] {rows, cols}, 'c');
  }
}
