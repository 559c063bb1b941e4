package org.sparkdpsgd.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Where {@code --config} comes from, tried in this order: a Hadoop path (hdfs://, s3a://, file:), a
 * local file, or a config inside the job jar ({@code conf/fashion-mnist-mlp.conf} is shipped there,
 * so the same command works when the driver runs on a worker that has no checkout).
 */
final class ConfigSource {
  private ConfigSource() {}

  static Config parse(String location) {
    ConfigParseOptions strict = ConfigParseOptions.defaults().setAllowMissing(false);
    if (HadoopPaths.hasScheme(location)) {
      return ConfigFactory.parseString(readHadoop(location), strict.setOriginDescription(location));
    }
    File file = new File(location);
    if (file.isFile()) {
      return ConfigFactory.parseFile(file, strict);
    }
    String resource = location.startsWith("/") ? location.substring(1) : location;
    if (!location.startsWith("/")
        && ConfigSource.class.getClassLoader().getResource(resource) != null) {
      return ConfigFactory.parseResources(
          ConfigSource.class.getClassLoader(),
          resource,
          strict.setOriginDescription(resource + " (in the job jar)"));
    }
    throw new InvalidInputException(
        "--config: no such file: "
            + location
            + (HadoopPaths.clusterDeployMode() && !location.startsWith("/")
                ? " (in cluster deploy mode the driver runs on a worker: give an absolute or Hadoop path, or a"
                    + " config shipped in the job jar such as conf/fashion-mnist-mlp.conf)"
                : ""));
  }

  private static String readHadoop(String location) {
    Path path = new Path(location);
    FileSystem fs = HadoopPaths.fileSystem(path, HadoopPaths.configuration(), "--config");
    try (InputStream in = fs.open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.FileNotFoundException e) {
      throw new InvalidInputException("--config: no such file: " + location);
    } catch (IOException e) {
      throw new InvalidInputException(
          "--config: cannot read " + location + ": " + HadoopPaths.firstLine(e));
    }
  }
}
