package org.sparkdpsgd.aggregate;

import java.util.ArrayDeque;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkdpsgd.model.GradientSums;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Network;

/**
 * Per-thread reuse of ND4J memory on the executors. Native allocations are the largest fixed cost
 * of a step (they dominated profiles), so each task thread keeps its network arrays and
 * gradient-sum arrays across steps, and runs each batch's intermediates in an ND4J workspace.
 * Nothing here outlives a JVM or carries data between steps except reused, overwritten buffers.
 */
final class ExecutorCache {
  private static final WorkspaceConfiguration BATCH_WORKSPACE =
      WorkspaceConfiguration.builder()
          .initialSize(0)
          .policyLearning(LearningPolicy.FIRST_LOOP)
          .policyAllocation(AllocationPolicy.OVERALLOCATE)
          .overallocationLimit(0.3)
          .build();
  private static final String WORKSPACE_ID = "spark-dpsgd-batch";

  private static final ThreadLocal<Network> NETWORK = new ThreadLocal<>();
  private static final ThreadLocal<ArrayDeque<GradientSums>> SUMS =
      ThreadLocal.withInitial(ArrayDeque::new);

  private ExecutorCache() {}

  /** This thread's float network for the spec, loaded with {@code params}. */
  static Network network(ModelSpec spec, float[] params) {
    Network n = NETWORK.get();
    if (n == null || !n.spec().equals(spec) || n.dtype() != DataType.FLOAT) {
      n = new Network(spec, new double[spec.numParams()], DataType.FLOAT);
      NETWORK.set(n);
    }
    return n.load(params);
  }

  static GradientSums acquireSums(ModelSpec spec) {
    ArrayDeque<GradientSums> pool = SUMS.get();
    while (!pool.isEmpty()) {
      GradientSums s = pool.pop();
      if (s.spec().equals(spec)) {
        return s.zero();
      }
    }
    return new GradientSums(spec, DataType.FLOAT);
  }

  static void releaseSums(GradientSums sums) {
    ArrayDeque<GradientSums> pool = SUMS.get();
    if (pool.size() < 4) {
      pool.push(sums);
    }
  }

  /** Opens the batch workspace: arrays created until it is closed live in a reused arena. */
  static MemoryWorkspace batchWorkspace() {
    return Nd4j.getWorkspaceManager().getAndActivateWorkspace(BATCH_WORKSPACE, WORKSPACE_ID);
  }
}
