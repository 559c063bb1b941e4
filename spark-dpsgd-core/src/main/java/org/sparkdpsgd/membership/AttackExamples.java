package org.sparkdpsgd.membership;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.sparkdpsgd.audit.UniformIndices;
import org.sparkdpsgd.data.RowSubset;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.util.CryptoRandom;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The examples a membership attack is scored on: {@code perSide} members and {@code perSide}
 * non-members, each side a uniform sample without replacement of its half of the population. Only
 * the number of member rows per block comes to the driver; the chosen rows go back as a {@link
 * RowSubset#listed} subset.
 *
 * @param rows the chosen rows
 * @param member whether each chosen row is a member, in the order {@link ExampleScores} returns the
 *     rows' scores: by block id, then by row
 */
record AttackExamples(RowSubset rows, boolean[] member) {
  static AttackExamples choose(
      TrainingBlocks population, RowSubset members, int perSide, CryptoRandom random) {
    List<long[]> blocks =
        new ArrayList<>(
            population
                .rdd()
                .map(
                    b -> {
                      long in = 0;
                      for (boolean m : members.rowsOf(b.blockId(), b.rows())) {
                        in += m ? 1 : 0;
                      }
                      return new long[] {b.blockId(), b.rows(), in};
                    })
                .collect());
    blocks.sort(Comparator.comparingLong(b -> b[0]));
    long memberRows = blocks.stream().mapToLong(b -> b[2]).sum();
    long nonMemberRows = population.numExamples() - memberRows;
    if (perSide > memberRows || perSide > nonMemberRows) {
      throw new InvalidInputException(
          "the attack examples must be at most twice the smaller half of the population: "
              + 2L * perSide
              + " attack examples ("
              + perSide
              + " members and "
              + perSide
              + " non-members) from a population of "
              + population.numExamples()
              + " rows split into "
              + memberRows
              + " members and "
              + nonMemberRows
              + " non-members; provided value: "
              + 2L * perSide);
    }
    long[] inPicks = sorted(UniformIndices.subset(random, memberRows, perSide));
    long[] outPicks = sorted(UniformIndices.subset(random, nonMemberRows, perSide));
    // Walk the blocks in id order; a pick is the index of a row among its side's rows.
    Map<Long, List<int[]>> chosen = new TreeMap<>(); // block id -> (row, member) pairs
    long inBefore = 0;
    long outBefore = 0;
    int nextIn = 0;
    int nextOut = 0;
    for (long[] b : blocks) {
      long id = b[0];
      long in = b[2];
      long out = b[1] - in;
      boolean hasIn = nextIn < perSide && inPicks[nextIn] < inBefore + in;
      boolean hasOut = nextOut < perSide && outPicks[nextOut] < outBefore + out;
      if (hasIn || hasOut) {
        boolean[] isMember = members.rowsOf(id, (int) b[1]);
        long inSeen = inBefore;
        long outSeen = outBefore;
        for (int r = 0; r < isMember.length; r++) {
          if (isMember[r]) {
            if (nextIn < perSide && inPicks[nextIn] == inSeen) {
              chosen.computeIfAbsent(id, k -> new ArrayList<>()).add(new int[] {r, 1});
              nextIn++;
            }
            inSeen++;
          } else {
            if (nextOut < perSide && outPicks[nextOut] == outSeen) {
              chosen.computeIfAbsent(id, k -> new ArrayList<>()).add(new int[] {r, 0});
              nextOut++;
            }
            outSeen++;
          }
        }
      }
      inBefore += in;
      outBefore += out;
    }
    if (nextIn != perSide || nextOut != perSide) {
      throw new IllegalStateException(
          "the population's blocks changed while the attack examples were chosen");
    }
    Map<Long, int[]> rows = new TreeMap<>();
    boolean[] member = new boolean[2 * perSide];
    int k = 0;
    for (Map.Entry<Long, List<int[]>> e : chosen.entrySet()) {
      int[] r = new int[e.getValue().size()];
      for (int j = 0; j < r.length; j++) {
        r[j] = e.getValue().get(j)[0];
        member[k++] = e.getValue().get(j)[1] == 1;
      }
      rows.put(e.getKey(), r);
    }
    return new AttackExamples(RowSubset.listed(rows), member);
  }

  private static long[] sorted(long[] a) {
    Arrays.sort(a);
    return a;
  }

  int size() {
    return member.length;
  }

  /** The scores of the members, in order. */
  double[] members(double[] scores) {
    return side(scores, true);
  }

  /** The scores of the non-members, in order. */
  double[] nonMembers(double[] scores) {
    return side(scores, false);
  }

  private double[] side(double[] scores, boolean in) {
    if (scores.length != member.length) {
      throw new IllegalArgumentException(
          scores.length + " scores for " + member.length + " attack examples");
    }
    double[] s = new double[member.length / 2];
    int k = 0;
    for (int i = 0; i < member.length; i++) {
      if (member[i] == in) {
        s[k++] = scores[i];
      }
    }
    return s;
  }
}
