package org.sparkdpsgd.jobs;

import java.io.PrintWriter;
import org.sparkdpsgd.util.InvalidInputException;
import org.sparkdpsgd.util.UserErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code dpsgd} launcher and of spark-submit. A user's mistake ends with one
 * line on stderr ("dpsgd: error: ...") and exit code 2; no stack trace.
 */
@Command(name = "dpsgd", mixinStandardHelpOptions = true, version = "spark-dpsgd 0.1.0",
    description = "Differentially private SGD on Apache Spark.",
    subcommands = {TrainCommand.class, BenchCommand.class, PrivacyCommand.class, CalibrateCommand.class,
        PrivacyBenchCommand.class})
public final class DpsgdCli {
  public static final int USER_ERROR = 2;

  public static void main(String[] args) {
    int code = run(args);
    System.exit(code);
  }

  public static int run(String... args) {
    CommandLine cli = new CommandLine(new DpsgdCli());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      InvalidInputException user = UserErrors.find(e);
      if (user != null) {
        PrintWriter err = cmd.getErr();
        err.println("dpsgd: error: " + user.getMessage().lines().findFirst().orElse(""));
        err.flush();
        return USER_ERROR;
      }
      throw e;
    });
    return cli.execute(args);
  }
}
