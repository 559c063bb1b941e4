package org.sparkdpsgd.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.sparkdpsgd.util.InvalidInputException;

/** Hidden-layer activations. Derivatives are taken from the activation's output (cheaper). */
public enum Activation {
  TANH {
    @Override
    public INDArray apply(INDArray z) {
      return Transforms.tanh(z, true);
    }

    @Override
    public INDArray derivativeFromOutput(INDArray a) {
      // d tanh(z)/dz = 1 - tanh(z)^2
      return a.mul(a).rsubi(1.0);
    }
  },
  RELU {
    @Override
    public INDArray apply(INDArray z) {
      return Transforms.relu(z, true);
    }

    @Override
    public INDArray derivativeFromOutput(INDArray a) {
      return a.gt(0.0).castTo(a.dataType());
    }
  };

  public abstract INDArray apply(INDArray z);

  public abstract INDArray derivativeFromOutput(INDArray a);

  public static Activation parse(String name, String where) {
    for (Activation a : values()) {
      if (a.name().equalsIgnoreCase(name.trim())) {
        return a;
      }
    }
    throw new InvalidInputException(
        where + " must be one of relu, tanh; provided value: " + name);
  }
}
