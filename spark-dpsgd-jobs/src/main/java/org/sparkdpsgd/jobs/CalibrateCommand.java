package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.NoiseCalibration;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.util.Checks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The smallest noise multiplier that meets a target (ε, δ). */
@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    description = "Find the smallest noise multiplier σ reaching a target ε at δ.")
final class CalibrateCommand implements Callable<Integer> {
  @Option(names = "--target-epsilon", required = true)
  double targetEpsilon;

  @Option(names = "--delta", required = true)
  double delta;

  @Option(names = "--n")
  Long n;

  @Option(names = "--batch-size")
  Long batchSize;

  @Option(names = "--epochs")
  Double epochs;

  @Option(names = "--sampling-rate")
  Double samplingRate;

  @Option(names = "--steps")
  Long steps;

  @Option(names = "--accountant", description = "rdp | pld (default rdp)")
  String accountant = "rdp";

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Override
  public Integer call() {
    Checks.positive("--target-epsilon", targetEpsilon);
    Checks.openProbability("--delta", delta);
    AccountantKind kind = AccountantKind.parse(accountant);
    SamplingArgs s = SamplingArgs.resolve(n, null, batchSize, epochs, samplingRate, steps);
    double sigma =
        NoiseCalibration.calibrateNoiseMultiplier(
            targetEpsilon, delta, s.samplingRate(), s.steps(), kind);
    double eps =
        kind.create()
            .compose(TrainingPlan.stepEvent(s.samplingRate(), sigma), Math.toIntExact(s.steps()))
            .getEpsilon(delta);
    if (json) {
      ObjectNode o = OutputWriter.JSON.createObjectNode();
      o.put("noise_multiplier", sigma);
      o.put("epsilon", eps);
      o.put("target_epsilon", targetEpsilon);
      o.put("delta", delta);
      o.put("sampling_rate", s.samplingRate());
      o.put("steps", s.steps());
      o.put("accountant", kind.name().toLowerCase(Locale.ROOT));
      System.out.println(o.toString());
    } else {
      System.out.printf(
          Locale.ROOT,
          "noise multiplier σ = %.6f gives ε = %.4f (target %.4f) at δ = %.1e with q = %.6g over %d steps (%s)%n",
          sigma,
          eps,
          targetEpsilon,
          delta,
          s.samplingRate(),
          s.steps(),
          kind.name());
    }
    return 0;
  }
}
