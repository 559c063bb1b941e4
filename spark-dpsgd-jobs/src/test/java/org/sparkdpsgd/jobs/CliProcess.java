package org.sparkdpsgd.jobs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the CLI in a JVM of its own, as the {@code dpsgd} launcher does (same logging config), so
 * that everything Spark's loggers print reaches the captured stdout and stderr: the in-process
 * {@link CliRunner} cannot see them (log4j holds the original System.err).
 */
final class CliProcess {
  record Result(int exitCode, String out, String err) {}

  private CliProcess() {}

  static Result run(Path workDir, String... args) throws IOException, InterruptedException {
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
    cmd.add("-Xmx1g");
    Path conf = Path.of("").toAbsolutePath().getParent().resolve("conf/log4j2.properties");
    cmd.add("-Dlog4j2.configurationFile=" + conf);
    cmd.add("-Dspark.ui.enabled=false");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(DpsgdCli.class.getName());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(workDir, "stdout", ".txt");
    Path err = Files.createTempFile(workDir, "stderr", ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("dpsgd " + String.join(" ", args) + " did not finish in 180 s");
    }
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
