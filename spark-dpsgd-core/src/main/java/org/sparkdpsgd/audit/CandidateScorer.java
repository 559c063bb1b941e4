package org.sparkdpsgd.audit;

import java.util.List;

/**
 * The model under audit, as the Secret Sharer sees it: a log-perplexity for each candidate text,
 * -log Pr(text) under the model, lower meaning more likely. Only the secret's part differs between
 * candidates, so scoring the whole text or only the secret given the prefix ranks them the same.
 * Any logarithm base will do, as long as it is the same for every call of one audit.
 */
@FunctionalInterface
public interface CandidateScorer {
  /**
   * One log-perplexity per text, in the same order. Must be deterministic (no dropout): a canary is
   * compared with candidates scored in other batches.
   */
  double[] logPerplexities(List<String> texts);
}
