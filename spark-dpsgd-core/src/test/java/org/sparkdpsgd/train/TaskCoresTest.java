package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks that own 2 cores ({@code spark.task.cpus = 2}) split their blocks over 2 threads, in a
 * per-step job and as resident tasks ({@link TaskCoresCheck}, in a JVM of its own: a JVM has one
 * Spark context, and this test's needs other settings than the shared one).
 */
class TaskCoresTest {
  @Test
  void tasksWithTwoCoresSplitTheirBlocksOverTwoThreads(@TempDir Path dir) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (flag.startsWith("--add-opens")
          || flag.startsWith("-XX:+IgnoreUnrecognized")
          || flag.startsWith("-Djdk.reflect")
          || flag.startsWith("-Dorg.bytedeco")) {
        cmd.add(flag); // Spark's Java 17 flags and ND4J's cache, from surefire's argLine
      }
    }
    cmd.addAll(
        List.of(
            "-Xmx1g",
            "-cp",
            System.getProperty("java.class.path"),
            TaskCoresCheck.class.getName()));
    Path out = dir.resolve("out.txt");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process p = pb.start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the check finishes in 180 s");
    String output = Files.readString(out, StandardCharsets.UTF_8);
    List<String> checks = output.lines().filter(l -> l.startsWith("check ")).toList();
    assertEquals(5, checks.size(), output);
    assertTrue(checks.stream().allMatch(l -> l.endsWith(": ok")), String.join("\n", checks));
    assertEquals(0, p.exitValue(), output);
  }
}
