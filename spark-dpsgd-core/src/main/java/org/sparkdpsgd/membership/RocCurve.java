package org.sparkdpsgd.membership;

import java.util.Arrays;
import org.sparkdpsgd.util.Checks;

/**
 * The ROC curve of a membership test that answers "member" when an example's score is at least a
 * threshold, over every threshold: one point (false-positive rate, true-positive rate) per distinct
 * score, from (0, 0) (no threshold passed) to (1, 1). Tied scores move both rates in one step, so
 * ties cost the test as much as they help it.
 *
 * <p>The three summaries are those of Carlini et al. 2022 ("Membership Inference Attacks From First
 * Principles") and Yeom et al. 2018: {@link #auc()}, {@link #tprAtFpr} (what matters for privacy:
 * confident guesses about a few examples) and {@link #advantage()} (max TPR − FPR, which ε-DP
 * bounds by (e^ε − 1 + 2δ) / (e^ε + 1)).
 */
public final class RocCurve {
  private final double[] fpr;
  private final double[] tpr;
  private final int members;
  private final int nonMembers;
  private final double auc;

  /**
   * @param memberScores the scores of examples in the training set (higher: "member")
   * @param nonMemberScores the scores of examples left out
   */
  public RocCurve(double[] memberScores, double[] nonMemberScores) {
    Checks.positive("the number of member scores", memberScores.length);
    Checks.positive("the number of non-member scores", nonMemberScores.length);
    double[] in = sortedDescending(memberScores, "member");
    double[] out = sortedDescending(nonMemberScores, "non-member");
    this.members = in.length;
    this.nonMembers = out.length;
    int cap = in.length + out.length + 1;
    double[] f = new double[cap];
    double[] t = new double[cap];
    int points = 1;
    int i = 0;
    int o = 0;
    double area = 0;
    while (i < in.length || o < out.length) {
      // The next threshold: the largest score not yet passed; every score equal to it passes.
      double s =
          Math.max(
              i < in.length ? in[i] : Double.NEGATIVE_INFINITY,
              o < out.length ? out[o] : Double.NEGATIVE_INFINITY);
      int i0 = i;
      int o0 = o;
      while (i < in.length && in[i] == s) {
        i++;
      }
      while (o < out.length && out[o] == s) {
        o++;
      }
      // Trapezoid: the non-members passed at this threshold, times the mean of the members
      // passed before and after (a tie counts one half, as in the Mann-Whitney statistic).
      area += (o - o0) * (i0 + i) / 2.0;
      f[points] = (double) o / nonMembers;
      t[points] = (double) i / members;
      points++;
    }
    this.fpr = Arrays.copyOf(f, points);
    this.tpr = Arrays.copyOf(t, points);
    this.auc = area / ((double) members * nonMembers);
  }

  private static double[] sortedDescending(double[] scores, String kind) {
    double[] s = new double[scores.length];
    for (int k = 0; k < s.length; k++) {
      if (Double.isNaN(scores[k])) {
        throw Checks.fail("every " + kind + " score", "a number", scores[k]);
      }
      s[k] = scores[k] + 0.0; // -0.0 becomes 0.0: equal scores, and so sorted together
    }
    Arrays.sort(s);
    for (int a = 0, b = s.length - 1; a < b; a++, b--) {
      double tmp = s[a];
      s[a] = s[b];
      s[b] = tmp;
    }
    return s;
  }

  /**
   * The area under the curve: the probability that a random member scores above a random
   * non-member, ties counting one half (the Mann-Whitney U statistic over members × non-members).
   * 0.5 is guessing.
   */
  public double auc() {
    return auc;
  }

  /**
   * The largest true-positive rate among the curve's points whose false-positive rate is at most
   * {@code maxFpr} (no interpolation between points: a threshold the data does not offer is not
   * claimed). With fewer than 1 / maxFpr non-members only FPR 0 qualifies.
   */
  public double tprAtFpr(double maxFpr) {
    Checks.closedProbability("the false-positive rate", maxFpr);
    double best = 0;
    for (int p = 0; p < fpr.length && fpr[p] <= maxFpr; p++) {
      best = tpr[p];
    }
    return best;
  }

  /** max over thresholds of TPR − FPR (Yeom et al. 2018's membership advantage); 0 at worst. */
  public double advantage() {
    double best = 0;
    for (int p = 0; p < fpr.length; p++) {
      best = Math.max(best, tpr[p] - fpr[p]);
    }
    return best;
  }

  /** The points' false-positive rates, non-decreasing from 0 to 1. */
  public double[] fpr() {
    return fpr.clone();
  }

  /** The points' true-positive rates, non-decreasing from 0 to 1, matching {@link #fpr()}. */
  public double[] tpr() {
    return tpr.clone();
  }

  public int members() {
    return members;
  }

  public int nonMembers() {
    return nonMembers;
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "ROC of %d members / %d non-members: AUC %.4f, TPR %.4f at FPR 1%%, %.4f at 0.1%%,"
            + " advantage %.4f",
        members,
        nonMembers,
        auc,
        tprAtFpr(0.01),
        tprAtFpr(0.001),
        advantage());
  }
}
