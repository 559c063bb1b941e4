package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparkdpsgd.privacy.AccountantKind;
import org.sparkdpsgd.privacy.DpEvent;
import org.sparkdpsgd.privacy.NoiseCalibration;
import org.sparkdpsgd.privacy.PrivacyStatement;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.util.Checks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The smallest noise multiplier that meets a target (ε, δ). With microbatches the accountant is
 * charged for σ/2 (sensitivity 2C), so σ/2 is calibrated and doubled, as training does. With
 * feature normalisation its one-time release is composed with the steps, as training calibrates.
 */
@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    description = "Find the smallest noise multiplier σ reaching a target ε at δ.")
final class CalibrateCommand implements Callable<Integer> {
  @Option(names = "--target-epsilon", required = true)
  double targetEpsilon;

  @Option(names = "--delta", required = true)
  double delta;

  @Option(names = "--n", description = "number of training examples")
  Long n;

  @Option(
      names = "--users",
      description =
          "number of users U, instead of --n: user-level DP (data.user-col); q = batch / U,"
              + " --batch-size counts users per step, --epochs passes over the users")
  Long users;

  @Option(names = "--batch-size")
  Long batchSize;

  @Option(names = "--epochs")
  Double epochs;

  @Option(names = "--sampling-rate")
  Double samplingRate;

  @Option(names = "--steps")
  Long steps;

  @Option(
      names = "--num-microbatches",
      description =
          "microbatches per step (training.num-microbatches; default 0): sensitivity 2C, so σ/2"
              + " is calibrated and σ doubled")
  int numMicrobatches;

  @Option(
      names = "--normalisation-noise-multiplier",
      paramLabel = "SIGMA_N",
      description =
          "σ_n of feature normalisation's one-time release (privacy.normalisation-noise-multiplier;"
              + " default 0 = none): composed with the steps, σ is calibrated for what it leaves")
  double normalisationNoiseMultiplier;

  @Option(names = "--accountant", description = "rdp | pld (default rdp)")
  String accountant = "rdp";

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Override
  public Integer call() {
    Checks.positive("--target-epsilon", targetEpsilon);
    Checks.openProbability("--delta", delta);
    AccountantKind kind = AccountantKind.parse(accountant);
    SamplingArgs.checkMicrobatches(numMicrobatches, users);
    SamplingArgs.checkNormalisation(normalisationNoiseMultiplier, numMicrobatches, users);
    DpEvent release = TrainingPlan.normalisationEvent(normalisationNoiseMultiplier);
    SamplingArgs s = SamplingArgs.resolve(n, users, batchSize, epochs, samplingRate, steps);
    double factor = TrainingPlan.sensitivityFactor(numMicrobatches);
    double accounted =
        NoiseCalibration.calibrateNoiseMultiplier(
            targetEpsilon, delta, s.samplingRate(), s.steps(), kind, release);
    double sigma = factor * accounted;
    double eps =
        kind.create()
            .compose(TrainingPlan.runEvent(release, s.samplingRate(), accounted, s.steps()))
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
      o.put("num_microbatches", numMicrobatches);
      o.put("accounted_noise_multiplier", accounted);
      o.put("normalisation_noise_multiplier", normalisationNoiseMultiplier);
      o.put("privacy_unit", s.userLevel() ? "user" : "example");
      if (s.userLevel()) {
        o.put("users", s.population());
      }
      System.out.println(o.toString());
    } else {
      System.out.printf(
          Locale.ROOT,
          "noise multiplier σ = %.6f gives ε = %.4f (target %.4f) at δ = %.1e with %s = %.6g over %d steps (%s)%n",
          sigma,
          eps,
          targetEpsilon,
          delta,
          s.userLevel() ? "user sampling rate q" : "q",
          s.samplingRate(),
          s.steps(),
          kind.name());
      if (numMicrobatches > 0) {
        System.out.printf(
            Locale.ROOT,
            "  noise doubled: %d microbatches have sensitivity 2C, so the accountant is charged"
                + " for σ/2 = %.6f, which is what was calibrated%n",
            numMicrobatches,
            accounted);
      }
      if (normalisationNoiseMultiplier > 0) {
        System.out.printf(
            Locale.ROOT,
            "  feature normalisation included: ε composes its one-time release (Gaussian"
                + " mechanism, σ_n = %s) with the steps, as training does%n",
            PrivacyStatement.sixDigits(normalisationNoiseMultiplier));
      }
      if (s.userLevel()) {
        System.out.printf(
            Locale.ROOT,
            "  user-level: (ε, δ)-DP for each user (add or remove all of one user's examples),"
                + " %d users, expected users per step %s%n",
            s.population(),
            PrivacyStatement.sixDigits(s.samplingRate() * s.population()));
      }
    }
    return 0;
  }
}
