package org.sparkdpsgd.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import java.util.List;
import java.util.Map;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Settings of a job: built-in defaults, then the config file, then {@code --set key=value}
 * overrides (later wins). Unknown keys are rejected, and a bad value names its key and origin.
 */
public final class JobConfig {
  private final Config config;

  private JobConfig(Config config) {
    this.config = config;
  }

  /**
   * {@code location}: a local file, a Hadoop path or a config in the job jar (see {@link
   * ConfigSource}).
   */
  public static JobConfig load(String location, List<String> overrides) {
    Config defaults = ConfigFactory.parseResources(JobConfig.class, "/dpsgd-defaults.conf");
    Config merged = defaults;
    try {
      if (location != null) {
        Config fromFile = ConfigSource.parse(location);
        rejectUnknownKeys(fromFile, defaults, location);
        merged = fromFile.withFallback(merged);
      }
      for (String kv : overrides) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new InvalidInputException("--set expects key=value; provided value: " + kv);
        }
        String key = kv.substring(0, eq).trim();
        String value = kv.substring(eq + 1).trim();
        Config one =
            ConfigFactory.parseString(
                key + " = " + quoteIfNeeded(value),
                ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF)
                    .setOriginDescription("--set " + kv));
        rejectUnknownKeys(one, defaults, "--set " + kv);
        merged = one.withFallback(merged);
      }
    } catch (ConfigException e) {
      throw new InvalidInputException(e.getMessage(), e);
    }
    return new JobConfig(merged.resolve());
  }

  private static String quoteIfNeeded(String value) {
    // Paths and master URLs such as local[*] or /data/x.parquet are not valid unquoted HOCON.
    if (value.matches("-?[0-9.eE+-]+|true|false|null|\\[.*\\]|\".*\"")) {
      return value;
    }
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void rejectUnknownKeys(Config given, Config defaults, String origin) {
    for (Map.Entry<String, ConfigValue> e : given.entrySet()) {
      if (!defaults.hasPathOrNull(e.getKey())) {
        throw new InvalidInputException(
            origin
                + ": unknown setting '"
                + e.getKey()
                + "' (see spark-dpsgd-jobs/src/main/resources/dpsgd-defaults.conf)");
      }
    }
  }

  public String string(String key) {
    return wrap(key, () -> config.getString(key));
  }

  public int integer(String key) {
    return wrap(key, () -> config.getInt(key));
  }

  public long longValue(String key) {
    return wrap(key, () -> config.getLong(key));
  }

  public double number(String key) {
    return wrap(key, () -> config.getDouble(key));
  }

  public boolean bool(String key) {
    return wrap(key, () -> config.getBoolean(key));
  }

  public List<Integer> integers(String key) {
    return wrap(key, () -> config.getIntList(key));
  }

  /** A list of objects, each as a plain map (numbers, strings, nested values). */
  public List<Map<String, Object>> objects(String key) {
    return wrap(key, () -> config.getObjectList(key).stream().map(o -> o.unwrapped()).toList());
  }

  /** Whether the key has a non-null value. */
  public boolean isSet(String key) {
    return config.hasPath(key);
  }

  /**
   * SHA-256 of the resolved settings (keys sorted): what a ledger entry names the run's config by.
   */
  public String fingerprint() {
    return org.sparkdpsgd.ledger.ConfigFingerprint.sha256(
        config.root().render(com.typesafe.config.ConfigRenderOptions.concise()));
  }

  public String origin(String key) {
    return config.hasPath(key) ? config.getValue(key).origin().description() : "defaults";
  }

  private <T> T wrap(String key, java.util.function.Supplier<T> get) {
    try {
      return get.get();
    } catch (ConfigException e) {
      throw new InvalidInputException("setting '" + key + "': " + e.getMessage(), e);
    }
  }

  /** Rewraps a validation error with the key's origin (file:line or --set). */
  public <T> T validated(String key, java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (InvalidInputException e) {
      throw new InvalidInputException(
          e.getMessage() + " (setting '" + key + "' from " + origin(key) + ")", e);
    }
  }
}
