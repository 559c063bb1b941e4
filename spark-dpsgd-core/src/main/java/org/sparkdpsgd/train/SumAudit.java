package org.sparkdpsgd.train;

/**
 * AUDITS ONLY: extra coordinates that ride along with the clipped sum a step releases, so that a
 * white-box audit can insert gradient canaries into the real mechanism (Steinke, Nasr and Jagielski
 * 2023). Each step the trainer appends {@link #extraCoordinates()} zeros to the cluster's clipped
 * sum, lets the audit add its sampled canaries' gradients there (clipped with the run's clip), adds
 * the step's noise to the whole vector with the same draw and the same σ as the model's
 * coordinates, shows the audit the noisy vector, and then uses only the model's coordinates. The
 * canaries' coordinates never touch the model, so the audit measures the mechanism — clipping of
 * the canaries, noise, sampling rate and steps against the claimed ε — without the model's own
 * gradients in the way.
 */
public interface SumAudit {
  /** How many coordinates to append (one per canary, for Dirac canaries). */
  int extraCoordinates();

  /**
   * Adds the canaries sampled at step {@code step} into {@code sum[offset ..]}, each clipped to
   * {@code clip} (infinite: not clipped) by the caller's rule.
   */
  void addClipped(long step, double clip, double[] sum, int offset);

  /** Sees the step's noisy sum (before it is scaled and used); {@code offset} as above. */
  void observe(long step, double[] noisySum, int offset);
}
