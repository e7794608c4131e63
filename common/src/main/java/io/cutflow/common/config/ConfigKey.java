package io.cutflow.common.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One declared setting: its name, type, default, meaning and what values it allows. Declared once
 * in the key class of the module that reads it ({@link KafkaConfig}, {@link StorageConfig}, {@link
 * OpsConfig} here; {@code WorkerConfig} and {@code IngestConfig} in their modules).
 *
 * @param name {@code cutflow.<area>.<name>}; also the system property
 * @param type how the value is parsed
 * @param defaultValue as a string; null = no default (reading it fails when unset)
 * @param doc what the setting means, for the generated reference
 * @param validator what parsed values are allowed
 * @param module the module whose key class declares it (for the reference)
 */
public record ConfigKey(
    String name, Type type, String defaultValue, String doc, Validator validator, String module) {

  /** Value types. */
  public enum Type {
    STRING,
    INT,
    LONG,
    SHORT,
    BOOLEAN,
    PASSWORD
  }

  public ConfigKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(doc, "doc");
    Objects.requireNonNull(validator, "validator");
    Objects.requireNonNull(module, "module");
  }

  /** The environment variable consulted for this key, e.g. {@code CUTFLOW_KAFKA_PARTITIONS}. */
  public String envName() {
    return envName(name);
  }

  public static String envName(String name) {
    return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  @Override
  public String toString() {
    return name;
  }
}
