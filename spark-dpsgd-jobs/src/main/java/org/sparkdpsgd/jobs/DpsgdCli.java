package org.sparkdpsgd.jobs;

import java.io.PrintWriter;
import org.sparkdpsgd.util.InvalidInputException;
import org.sparkdpsgd.util.UserErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code dpsgd} launcher and of spark-submit. A user's mistake (a bad option,
 * setting, row or path) ends with one line on stderr ("dpsgd: error: ...") and exit code 2, no
 * stack trace; anything else is a bug in spark-dpsgd and prints its trace, saying so, exit 1.
 */
@Command(
    name = "dpsgd",
    mixinStandardHelpOptions = true,
    version = "spark-dpsgd 0.1.0",
    description = "Differentially private SGD on Apache Spark.",
    subcommands = {
      TrainCommand.class,
      RepeatCommand.class,
      BenchCommand.class,
      PrivacyCommand.class,
      CalibrateCommand.class,
      PrivacyBenchCommand.class,
      LayerCostsCommand.class,
      CanariesCommand.class,
      AuditCommand.class,
      LedgerCommand.class
    })
public final class DpsgdCli {
  public static final int USER_ERROR = 2;
  public static final int INTERNAL_ERROR = 1;

  public static void main(String[] args) {
    int code = run(args);
    System.exit(code);
  }

  public static int run(String... args) {
    CommandLine cli = new CommandLine(new DpsgdCli());
    // picocli's default prints the message and the whole usage: one line naming the fix instead.
    cli.setParameterExceptionHandler(
        (e, argv) -> {
          CommandLine cmd = e.getCommandLine();
          PrintWriter err = cmd.getErr();
          err.println(
              "dpsgd: error: "
                  + oneLine(e.getMessage())
                  + " (see: "
                  + cmd.getCommandSpec().qualifiedName()
                  + " --help)");
          err.flush();
          return USER_ERROR;
        });
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          PrintWriter err = cmd.getErr();
          InvalidInputException user = UserErrors.find(e);
          if (user != null) {
            err.println("dpsgd: error: " + oneLine(user.getMessage()));
            err.flush();
            return USER_ERROR;
          }
          err.println(
              "dpsgd: internal error: this is a bug in spark-dpsgd, not a mistake of yours; please report it"
                  + " with the trace below");
          e.printStackTrace(err);
          err.flush();
          return INTERNAL_ERROR;
        });
    return cli.execute(args);
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
