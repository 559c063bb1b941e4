package org.sparkdpsgd.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Group normalisation, y = γ_c · x̂ + β_c with x̂ normalised over each example's group of channels
 * and positions (ε = 1e-5 inside the square root); without the affine part, y = x̂ and no
 * parameters.
 *
 * <p>Per-example norms: MATERIALISED. Example i's gradients are γ: Σ_hw dY ⊙ x̂ and β: Σ_hw dY, two
 * [m × C] arrays that cost no more than the forward pass; a ghost form would need the same
 * reductions.
 */
final class GroupNormLayer implements Layer {
  static final double EPS = 1e-5;
  private final int groups;
  private final boolean affine;
  private final Shape shape;
  private final INDArray gamma;
  private final INDArray beta;
  private INDArray normalised;
  private INDArray inverseStd;

  GroupNormLayer(int groups, Shape shape, DataType dtype) {
    this(groups, true, shape, dtype);
  }

  GroupNormLayer(int groups, boolean affine, Shape shape, DataType dtype) {
    this.groups = groups;
    this.affine = affine;
    this.shape = shape;
    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      gamma = Nd4j.create(dtype, shape.channels());
      beta = Nd4j.create(dtype, shape.channels());
    }
  }

  @Override
  public INDArray[] params() {
    return affine ? new INDArray[] {gamma, beta} : new INDArray[0];
  }

  @Override
  public INDArray forward(INDArray x) {
    long m = x.size(0);
    INDArray g = x.dup('c').reshape('c', m, groups, shape.size() / groups);
    INDArray mean = g.mean(2).reshape(m, groups, 1);
    INDArray centred = g.subi(mean);
    INDArray variance = centred.mul(centred).mean(2).reshape(m, groups, 1);
    inverseStd = Transforms.pow(variance.addi(EPS), -0.5, false);
    normalised =
        centred
            .muli(inverseStd)
            .reshape('c', m, shape.channels(), (long) shape.height() * shape.width());
    if (!affine) {
      return normalised.dup('c').reshape('c', m, shape.channels(), shape.height(), shape.width());
    }
    return normalised
        .mul(gamma.reshape(1, shape.channels(), 1))
        .addi(beta.reshape(1, shape.channels(), 1))
        .reshape('c', m, shape.channels(), shape.height(), shape.width());
  }

  @Override
  public INDArray backward(INDArray dOut, boolean needInputGradient, List<ParamGradients> grads) {
    long m = dOut.size(0);
    INDArray dy =
        dOut.dup('c').reshape('c', m, shape.channels(), (long) shape.height() * shape.width());
    if (affine) {
      grads.add(new PerChannel(dy.mul(normalised).sum(2), dy.sum(2)));
    }
    if (!needInputGradient) {
      return null;
    }
    // dx = (1/σ) (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂)), means over the example's group.
    long perGroup = shape.size() / groups;
    INDArray dxHat =
        (affine ? dy.muli(gamma.reshape(1, shape.channels(), 1)) : dy)
            .reshape('c', m, groups, perGroup);
    INDArray xHat = normalised.reshape('c', m, groups, perGroup);
    INDArray meanD = dxHat.mean(2).reshape(m, groups, 1);
    INDArray meanDx = dxHat.mul(xHat).mean(2).reshape(m, groups, 1);
    INDArray dx = dxHat.sub(meanD).subi(xHat.mul(meanDx)).muli(inverseStd);
    return dx.reshape('c', m, shape.channels(), shape.height(), shape.width());
  }

  /** Materialised per-example gradients of γ and β, each [m × C]. */
  private record PerChannel(INDArray dGamma, INDArray dBeta) implements ParamGradients {
    @Override
    public void addSquaredNorms(double[] out) {
      double[] a = Arrays2.rowSquaredNorms(dGamma);
      double[] b = Arrays2.rowSquaredNorms(dBeta);
      for (int i = 0; i < out.length; i++) {
        out[i] += a[i] + b[i];
      }
    }

    /**
     * The norm is read from the materialised gradients themselves, so the estimate's rounding does
     * not matter; for one example alone the sum adds fl(c g) per entry, within 1 + u.
     */
    @Override
    public void addSquaredNormBounds(double[] out) {
      Arrays2.addMaterialisedBounds(out, dGamma, dBeta);
    }

    @Override
    public void addWeightedSum(INDArray c, INDArray[] sums) {
      INDArray cRow =
          c == null ? Nd4j.ones(dGamma.dataType(), 1, dGamma.size(0)) : c.reshape(1, c.length());
      sums[0].addi(cRow.mmul(dGamma).reshape(sums[0].shape()));
      sums[1].addi(cRow.mmul(dBeta).reshape(sums[1].shape()));
    }

    @Override
    public void zeroExample(int i) {
      dGamma.getRow(i).assign(0.0);
      dBeta.getRow(i).assign(0.0);
    }
  }
}
