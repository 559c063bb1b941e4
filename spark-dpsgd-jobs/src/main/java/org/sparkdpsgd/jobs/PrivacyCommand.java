package org.sparkdpsgd.jobs;

import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import org.sparkdpsgd.privacy.PrivacyStatement;
import org.sparkdpsgd.privacy.PrivacyTable;
import org.sparkdpsgd.train.TrainingPlan;
import org.sparkdpsgd.util.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** ε of a DP-SGD run, in the spirit of TensorFlow Privacy's compute_dp_sgd_privacy. */
@Command(
    name = "privacy",
    mixinStandardHelpOptions = true,
    description = "Compute the (ε, δ) of DP-SGD for given sampling, noise and steps.")
final class PrivacyCommand implements Callable<Integer> {
  @Option(names = "--n", description = "number of training examples")
  Long n;

  @Option(
      names = "--users",
      description =
          "number of users U, instead of --n: user-level DP (data.user-col); q = batch / U,"
              + " --batch-size counts users per step, --epochs passes over the users")
  Long users;

  @Option(
      names = "--batch-size",
      description = "expected batch size (q = batch / n); users per step with --users")
  Long batchSize;

  @Option(names = "--epochs", description = "epochs (steps = ceil(epochs / q))")
  Double epochs;

  @Option(names = "--sampling-rate", description = "q, instead of --n/--batch-size")
  Double samplingRate;

  @Option(names = "--steps", description = "steps, instead of --epochs")
  Long steps;

  @Option(names = "--noise-multiplier", description = "σ")
  Double noiseMultiplier;

  @Option(
      names = "--num-microbatches",
      description =
          "microbatches per step (training.num-microbatches; default 0 = per-example clipping):"
              + " sensitivity 2C, accounted as σ/2")
  int numMicrobatches;

  @Option(
      names = "--normalisation-noise-multiplier",
      paramLabel = "SIGMA_N",
      description =
          "σ_n of feature normalisation's one-time release (privacy.normalisation-noise-multiplier;"
              + " default 0 = none), composed with the steps into ε")
  double normalisationNoiseMultiplier;

  @Option(names = "--delta", description = "δ (default 1e-5)")
  double delta = 1e-5;

  @Option(names = "--no-pld", description = "skip the PLD accountant (faster)")
  boolean noPld;

  @Option(
      names = "--batch",
      description = "CSV file with rows q,noise_multiplier,steps,delta: prints a table")
  File batch;

  @Option(names = "--pld", description = "with --batch: add an epsilon_pld column")
  boolean pld;

  @Override
  public Integer call() throws IOException {
    SamplingArgs.checkNormalisation(normalisationNoiseMultiplier, numMicrobatches, users);
    if (batch != null && normalisationNoiseMultiplier != 0) {
      // The table's rows have no column for it; a row is the steps alone.
      throw new InvalidInputException(
          "--normalisation-noise-multiplier applies to one run, not to --batch tables; give the"
              + " run's flags without --batch for its ε with the release");
    }
    if (batch != null && numMicrobatches != 0) {
      throw new InvalidInputException(
          "--num-microbatches applies to one run, not to --batch tables; halve the"
              + " noise_multiplier column for microbatched runs");
    }
    if (batch != null && users != null) {
      // The table's numbers hold at user level too when q is the user sampling rate.
      throw new InvalidInputException(
          "--users applies to one run, not to --batch tables; for user-level DP give the user"
              + " sampling rate (batch / U) in the q column");
    }
    if (batch != null) {
      Writer out = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
      try (Reader in = Files.newBufferedReader(batch.toPath(), StandardCharsets.UTF_8)) {
        PrivacyTable.process(in, out, pld);
      } catch (NoSuchFileException e) {
        throw new InvalidInputException("--batch: no such file: " + batch);
      }
      out.flush();
      return 0;
    }
    SamplingArgs.checkMicrobatches(numMicrobatches, users);
    if (noiseMultiplier == null) {
      throw new InvalidInputException("--noise-multiplier is required (or use --batch FILE.csv)");
    }
    SamplingArgs s = SamplingArgs.resolve(n, users, batchSize, epochs, samplingRate, steps);
    System.out.println(
        s.userLevel()
            ? PrivacyStatement.describeUsers(
                s.samplingRate(), noiseMultiplier, s.steps(), delta, s.population(), !noPld)
            : PrivacyStatement.describe(
                s.samplingRate(),
                noiseMultiplier,
                s.steps(),
                delta,
                numMicrobatches,
                TrainingPlan.normalisationEvent(normalisationNoiseMultiplier),
                !noPld));
    if (s.population() > 0) {
      String warning = PrivacyStatement.deltaWarning(delta, s.population(), s.userLevel());
      if (warning != null) {
        System.out.println("WARNING: " + warning);
      }
    }
    return 0;
  }
}
