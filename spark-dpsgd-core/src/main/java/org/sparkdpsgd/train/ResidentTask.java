package org.sparkdpsgd.train;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.VoidFunction;
import org.sparkdpsgd.aggregate.ClippedGradientAggregator;
import org.sparkdpsgd.aggregate.StepContext;
import org.sparkdpsgd.data.ExampleBlock;

/**
 * The executor side of {@link ResidentSteps}: one task per partition that stays for the whole run.
 * It takes its partition's cached blocks once, connects to the driver, and then for every step it
 * receives (the step number and the weights) adds its blocks' sampled, clipped gradients exactly as
 * a per-step job's task would ({@link ClippedGradientAggregator}, keyed by the same step), and
 * sends the aggregator back. A task that owns several cores ({@code spark.task.cpus}) splits its
 * blocks over them ({@link ClippedGradientAggregator#addAll}). A stop message ends the task; so
 * does a lost driver (the connection fails) or Spark cancelling the job (checked while it waits).
 */
final class ResidentTask implements VoidFunction<Iterator<ExampleBlock>> {
  private static final long serialVersionUID = 1L;

  /** How often a waiting task looks whether Spark has cancelled it. */
  static final int POLL_MILLIS = 200;

  private final String driverHost;
  private final int driverPort;
  private final byte[] token;
  private final StepContext settings;

  ResidentTask(String driverHost, int driverPort, byte[] token, StepContext settings) {
    this.driverHost = driverHost;
    this.driverPort = driverPort;
    this.token = token.clone();
    this.settings = settings;
  }

  @Override
  public void call(Iterator<ExampleBlock> partition) throws Exception {
    TaskContext task = TaskContext.get();
    ResidentLink inJvm = InJvmLinks.connect(token, task.partitionId());
    if (inJvm != null) {
      try {
        serve(inJvm, partition, task);
      } finally {
        inJvm.close();
      }
      return;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(driverHost, driverPort), 30_000);
      socket.setTcpNoDelay(true);
      ResidentLink link = ResidentLink.over(socket);
      // Hello first: the driver learns at once that the task has a slot; reading (or recomputing)
      // the blocks may take long.
      link.send(StepWire.hello(token, task.partitionId(), task.taskAttemptId()));
      serve(link, partition, task);
    }
  }

  /** Takes the blocks, then answers steps until a stop (or until the link or the job ends). */
  private void serve(ResidentLink link, Iterator<ExampleBlock> partition, TaskContext task)
      throws Exception {
    List<ExampleBlock> blocks = new ArrayList<>();
    partition.forEachRemaining(blocks::add);
    while (true) {
      StepWire.Step step =
          StepWire.readStep(
              link.receive(
                  () -> {
                    task.killTaskIfInterrupted(); // throws when Spark cancels the job
                    return true;
                  }));
      if (step == null) {
        return;
      }
      // Also here: while steps keep coming the wait above never times out.
      task.killTaskIfInterrupted();
      // Never serialised (the result is toWire's sums), so a plain supplier of the weights.
      ClippedGradientAggregator sums =
          ClippedGradientAggregator.of(settings.atStep(step.step()), step::weights);
      sums.addAll(blocks, task.cpus()); // a task with several cores uses them all
      link.send(sums.toWire());
    }
  }
}
