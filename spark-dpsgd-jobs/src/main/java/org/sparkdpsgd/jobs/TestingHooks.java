package org.sparkdpsgd.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.sparkdpsgd.noise.NoiseSources;
import org.sparkdpsgd.sampling.SamplingKey;
import org.sparkdpsgd.train.DpSgdTrainer;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * TESTING ONLY, deliberately not a CLI option and not in the user docs: JVM system properties that
 * make a run reproducible, so fault tests on a cluster can compare an interrupted run's weights bit
 * for bit with an uninterrupted one. {@code -Ddpsgd.testing.sampling-seed=N} fixes the Poisson
 * samples ({@link SamplingKey#forTesting}); {@code -Ddpsgd.testing.zero-noise=true} adds no noise
 * ({@link NoiseSources#zeroForTesting}). Either one voids the privacy guarantee: the run says so on
 * its console and in report.json.
 */
final class TestingHooks {
  static final String SAMPLING_SEED = "dpsgd.testing.sampling-seed";
  static final String ZERO_NOISE = "dpsgd.testing.zero-noise";

  private TestingHooks() {}

  /** Applies the hooks that are set and returns their descriptions (empty: none). */
  static List<String> apply(DpSgdTrainer trainer, PrintStream out) {
    List<String> used = new ArrayList<>();
    String seed = System.getProperty(SAMPLING_SEED);
    if (seed != null) {
      try {
        trainer.samplingKeyForTesting(SamplingKey.forTesting(Long.parseLong(seed.trim())));
      } catch (NumberFormatException e) {
        throw new InvalidInputException(
            "-D" + SAMPLING_SEED + " must be an integer; provided value: " + seed);
      }
      used.add("fixed sampling key (-D" + SAMPLING_SEED + "): the Poisson samples are predictable");
    }
    if (Boolean.parseBoolean(System.getProperty(ZERO_NOISE, "false"))) {
      trainer.noiseSourceForTesting(NoiseSources.zeroForTesting());
      used.add("zero noise (-D" + ZERO_NOISE + ")");
    }
    for (String u : used) {
      out.println("TESTING ONLY, NO PRIVACY: " + u);
    }
    return used;
  }

  /** Marks a report made with testing hooks so that it can never pass for a private model. */
  static ObjectNode mark(ObjectNode report, List<String> used) {
    if (!used.isEmpty()) {
      report.put("privacy_guarantee", "NONE: testing hooks: " + String.join("; ", used));
      report.put("secure_noise", false);
      report.putPOJO("testing_hooks", used);
    }
    return report;
  }
}
