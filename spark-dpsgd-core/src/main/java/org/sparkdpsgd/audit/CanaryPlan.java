package org.sparkdpsgd.audit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.CryptoRandom;

/**
 * The canaries of one Secret Sharer experiment: for each insertion count, a few canaries with
 * distinct random secrets, each to be inserted that many times into the training records.
 *
 * @param format the canaries' shape and secret space
 * @param canaries in order of insertion count, then of drawing
 */
public record CanaryPlan(CanaryFormat format, List<Canary> canaries) {
  /** The counts of the experiment: 1, 4, 16 and 64 copies. */
  public static final List<Integer> STANDARD_INSERTIONS = List.of(1, 4, 16, 64);

  public static final int STANDARD_CANARIES_PER_COUNT = 3;

  public CanaryPlan {
    canaries = List.copyOf(canaries);
  }

  /**
   * Secrets drawn from a stream keyed by {@code seed}: the same seed gives the same canaries, so a
   * run can be repeated and its report checked against the records that were inserted.
   */
  public static CanaryPlan seeded(
      CanaryFormat format, List<Integer> insertionCounts, int canariesPerCount, long seed) {
    CryptoRandom random =
        CryptoRandom.derived(
            "spark-dpsgd canary secrets", format.describe().getBytes(StandardCharsets.UTF_8), seed);
    return generate(format, insertionCounts, canariesPerCount, random);
  }

  /** Distinct secrets, uniform on the format's space, {@code canariesPerCount} per count. */
  public static CanaryPlan generate(
      CanaryFormat format,
      List<Integer> insertionCounts,
      int canariesPerCount,
      CryptoRandom random) {
    Checks.positive("canaries per insertion count", canariesPerCount);
    Checks.require(!insertionCounts.isEmpty(), "at least one insertion count must be given");
    for (int count : insertionCounts) {
      Checks.positive("a canary's insertion count", count);
    }
    Checks.require(
        new HashSet<>(insertionCounts).size() == insertionCounts.size(),
        "insertion counts must be distinct; provided value: " + insertionCounts);
    long wanted = (long) insertionCounts.size() * canariesPerCount;
    Checks.require(
        wanted <= format.spaceSize(),
        wanted
            + " canaries do not have distinct secrets among "
            + format.spaceSize()
            + "; add digits to the canary format");
    List<Integer> counts = new ArrayList<>(insertionCounts);
    Collections.sort(counts);
    Set<Long> used = new HashSet<>();
    List<Canary> canaries = new ArrayList<>();
    for (int count : counts) {
      for (int k = 0; k < canariesPerCount; k++) {
        long index;
        do {
          index = UniformIndices.below(random, format.spaceSize());
        } while (!used.add(index));
        canaries.add(new Canary(index, format.secret(index), format.text(index), count));
      }
    }
    return new CanaryPlan(format, canaries);
  }

  /** Each canary's text, repeated as often as it is to be inserted: the records to add. */
  public List<String> trainingRecords() {
    List<String> records = new ArrayList<>();
    for (Canary c : canaries) {
      records.addAll(Collections.nCopies(c.insertions(), c.text()));
    }
    return records;
  }

  /** The distinct insertion counts, ascending. */
  public List<Integer> insertionCounts() {
    Set<Integer> counts = new TreeSet<>();
    canaries.forEach(c -> counts.add(c.insertions()));
    return List.copyOf(counts);
  }

  @Override
  public String toString() {
    return "CanaryPlan(" + format.describe() + ", " + canaries.size() + " canaries)";
  }
}
