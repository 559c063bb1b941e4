package org.sparkdpsgd.jobs;

import java.nio.file.Path;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * A bad row fails a Spark task, and Spark's scheduler and executor loggers then print the task's
 * whole stack trace (40 to 60 lines) above our one-line message: to a user that reads as a crash.
 * These loggers (and the port-retry and task-size warnings of a normal run) go to a log file
 * instead; {@code --verbose} keeps them on the console. Our own message is printed either way.
 */
final class SparkLogRouting {
  /** Spark's loggers that report failed tasks, retried ports and large tasks. */
  static final List<String> TASK_LOGGERS =
      List.of(
          "org.apache.spark.scheduler.TaskSetManager",
          "org.apache.spark.scheduler.TaskSchedulerImpl",
          "org.apache.spark.scheduler.DAGScheduler",
          "org.apache.spark.executor.Executor",
          "org.apache.spark.util.Utils",
          "org.apache.spark.storage.BlockManager",
          "org.apache.spark.sql.execution.datasources.FileScanRDD");

  private SparkLogRouting() {}

  /** Sends {@link #TASK_LOGGERS} (WARN and above) to {@code file} only; returns the file. */
  static Path toFile(Path file) {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    FileAppender appender =
        FileAppender.newBuilder()
            .setName("dpsgd-spark-tasks")
            .withFileName(file.toString())
            .withAppend(true)
            .setLayout(
                PatternLayout.newBuilder()
                    .withConfiguration(config)
                    .withPattern("%d{HH:mm:ss} %p %c{1}: %m%n")
                    .build())
            .setConfiguration(config)
            .build();
    appender.start();
    config.addAppender(appender);
    for (String name : TASK_LOGGERS) {
      LoggerConfig logger =
          new LoggerConfig(name, Level.WARN, false); // additivity off: not the console
      logger.addAppender(appender, Level.WARN, null);
      config.removeLogger(name);
      config.addLogger(name, logger);
    }
    ctx.updateLoggers();
    return file;
  }
}
