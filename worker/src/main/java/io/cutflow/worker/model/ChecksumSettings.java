package io.cutflow.worker.model;

import io.cutflow.common.config.ConfigCatalogue;
import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * Where the registry finds the SHA-256 an operator gives for a file whose publisher gives none (a
 * manifest file entry's {@code sha256_setting}, e.g. {@code cutflow.models.sam-encoder-sha256}):
 * this process's settings, resolved and validated as every setting is.
 */
public final class ChecksumSettings {
  private ChecksumSettings() {}

  /** The settings of this process (system properties, then environment). */
  public static Function<String, Optional<String>> ofProcess() {
    Map<String, String> props = new java.util.HashMap<>();
    Properties p = System.getProperties();
    for (String k : p.stringPropertyNames()) {
      props.put(k, p.getProperty(k));
    }
    return of(CutflowConfig.of(Map.of(), props, System.getenv()));
  }

  /** The settings of {@code config}; a manifest naming an unknown setting fails, naming it. */
  public static Function<String, Optional<String>> of(CutflowConfig config) {
    return name -> config.getOptionalString(key(name));
  }

  /** The environment variable of a setting, for messages. */
  static String envName(String setting) {
    return ConfigKey.envName(setting);
  }

  private static ConfigKey key(String name) {
    return ConfigCatalogue.key(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "the model manifest names sha256_setting '"
                        + name
                        + "', which is not a setting (see ./cutflow config)"));
  }
}
