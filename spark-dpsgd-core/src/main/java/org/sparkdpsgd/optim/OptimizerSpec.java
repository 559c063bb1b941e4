package org.sparkdpsgd.optim;

import java.io.Serializable;
import java.util.Locale;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/** An optimizer's name and hyperparameters, validated when built. */
public record OptimizerSpec(
    String name, double learningRate, double momentum, double beta1, double beta2, double epsilon)
    implements Serializable {

  public OptimizerSpec {
    name = name == null ? "sgd" : name.trim().toLowerCase(Locale.ROOT);
    if (!name.equals("sgd") && !name.equals("momentum") && !name.equals("adam")) {
      throw new InvalidInputException(
          "optimizer must be one of sgd, momentum, adam; provided value: " + name);
    }
    Checks.positive("learningRate", learningRate);
    if (!(momentum >= 0 && momentum < 1)) {
      throw Checks.fail("momentum", "in [0, 1)", momentum);
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw Checks.fail("beta1", "in [0, 1)", beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw Checks.fail("beta2", "in [0, 1)", beta2);
    }
    Checks.positive("adamEpsilon", epsilon);
  }

  public static OptimizerSpec sgd(double learningRate) {
    return new OptimizerSpec("sgd", learningRate, 0.9, 0.9, 0.999, 1e-8);
  }

  public Optimizer create(int numParams) {
    return switch (name) {
      case "momentum" -> new Momentum(learningRate, momentum, numParams);
      case "adam" -> new Adam(learningRate, beta1, beta2, epsilon, numParams);
      default -> new Sgd(learningRate);
    };
  }
}
