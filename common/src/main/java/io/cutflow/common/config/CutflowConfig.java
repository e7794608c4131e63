package io.cutflow.common.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * An immutable, resolved view of the settings of every module on the class path ({@link
 * ConfigCatalogue}); the keys themselves are declared by the module that reads them ({@link
 * KafkaConfig}, {@link StorageConfig}, {@link OpsConfig}, {@code WorkerConfig}, {@code
 * IngestConfig}).
 *
 * <p>Resolution order, first hit wins:
 *
 * <ol>
 *   <li>explicit overrides (a map, e.g. from CLI flags or {@code EmbeddedStack});
 *   <li>a Java system property with the key's name ({@code -Dcutflow.kafka.bootstrap-servers=...});
 *   <li>an environment variable: the name upper-cased with {@code .} and {@code -} as {@code _}
 *       ({@code CUTFLOW_KAFKA_BOOTSTRAP_SERVERS});
 *   <li>the declared default.
 * </ol>
 *
 * <p>{@link #load()} validates every known key at once, so a process with a bad value fails at
 * start with the key, the value, its source and what is allowed. {@link #of} and {@link #isolated}
 * check only override names; their typed getters validate the key they read.
 */
public final class CutflowConfig {

  /** Where a resolved value came from. */
  public enum Source {
    OVERRIDE,
    SYSTEM_PROPERTY,
    ENVIRONMENT,
    DEFAULT
  }

  private final Map<String, String> overrides;
  private final Map<String, String> systemProperties;
  private final Map<String, String> environment;

  private CutflowConfig(
      Map<String, String> overrides,
      Map<String, String> systemProperties,
      Map<String, String> environment) {
    for (String name : overrides.keySet()) {
      if (ConfigCatalogue.key(name).isEmpty()) {
        throw new CutflowConfigException(
            name, "unknown setting (`cutflow config` lists every key)");
      }
    }
    this.overrides = Map.copyOf(overrides);
    this.systemProperties = Map.copyOf(systemProperties);
    this.environment = Map.copyOf(environment);
  }

  /** Defaults, system properties and environment of this process, every key validated. */
  public static CutflowConfig load() {
    return load(Map.of());
  }

  /**
   * Overrides (e.g. from CLI flags) on top of this process's properties and environment, validated.
   */
  public static CutflowConfig load(Map<String, String> overrides) {
    return of(overrides, systemPropertiesOf(System.getProperties()), System.getenv()).validate();
  }

  /** Fully explicit sources, for tests and embedding. */
  public static CutflowConfig of(
      Map<String, String> overrides,
      Map<String, String> systemProperties,
      Map<String, String> environment) {
    return new CutflowConfig(
        stripNulls(overrides), stripNulls(systemProperties), stripNulls(environment));
  }

  /** Only overrides and defaults: ignores this process's system properties and environment. */
  public static CutflowConfig isolated(Map<String, String> overrides) {
    return of(overrides, Map.of(), Map.of());
  }

  /** A copy with more overrides on top (later wins). */
  public CutflowConfig withOverrides(Map<String, String> more) {
    Map<String, String> merged = new LinkedHashMap<>(overrides);
    merged.putAll(more);
    return new CutflowConfig(merged, systemProperties, environment);
  }

  public Map<String, String> overrides() {
    return overrides;
  }

  /**
   * Checks every known key's value (type and validator); returns this, or throws naming each bad
   * key, its value, where it came from and what is allowed.
   */
  public CutflowConfig validate() {
    List<String> problems = new ArrayList<>();
    String first = null;
    for (ConfigKey key : ConfigCatalogue.keys()) {
      try {
        value(key);
      } catch (CutflowConfigException e) {
        first = first == null ? key.name() : first;
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new CutflowConfigException(first, problems, true);
    }
    return this;
  }

  // ---------------------------------------------------------------- typed getters

  public String getString(ConfigKey key) {
    return (String) value(key);
  }

  /** The value with surrounding whitespace removed; empty string maps to Optional.empty(). */
  public Optional<String> getOptionalString(ConfigKey key) {
    return raw(key).map(String::trim).filter(s -> !s.isEmpty()).map(s -> validated(key, s));
  }

  private String validated(ConfigKey key, String trimmed) {
    value(key);
    return trimmed;
  }

  public String getPassword(ConfigKey key) {
    return getString(key);
  }

  public int getInt(ConfigKey key) {
    return ((Number) value(key)).intValue();
  }

  public long getLong(ConfigKey key) {
    return ((Number) value(key)).longValue();
  }

  public short getShort(ConfigKey key) {
    return ((Number) value(key)).shortValue();
  }

  public boolean getBoolean(ConfigKey key) {
    return (Boolean) value(key);
  }

  /** The raw string for a key by name, resolved like the typed getters. */
  public Optional<String> get(String name) {
    ConfigKey key =
        ConfigCatalogue.key(name)
            .orElseThrow(() -> new CutflowConfigException(name, "unknown setting"));
    return raw(key);
  }

  /** Where the value of {@code key} comes from. */
  public Source sourceOf(ConfigKey key) {
    if (overrides.containsKey(key.name())) {
      return Source.OVERRIDE;
    }
    if (systemProperties.containsKey(key.name())) {
      return Source.SYSTEM_PROPERTY;
    }
    if (environment.containsKey(key.envName())) {
      return Source.ENVIRONMENT;
    }
    return Source.DEFAULT;
  }

  /** All resolved values by key name (passwords masked), for logging at start-up. */
  public Map<String, String> describeValues() {
    Map<String, String> out = new TreeMap<>();
    for (ConfigKey key : ConfigCatalogue.keys()) {
      String v = raw(key).orElse("<unset>");
      out.put(key.name(), key.type() == ConfigKey.Type.PASSWORD ? "********" : v);
    }
    return out;
  }

  /**
   * Every resolved value by key name (unmasked): for passing to a child process as system
   * properties.
   */
  public Map<String, String> resolvedValues() {
    Map<String, String> out = new LinkedHashMap<>();
    for (ConfigKey key : ConfigCatalogue.keys()) {
      raw(key).ifPresent(v -> out.put(key.name(), v));
    }
    return out;
  }

  @Override
  public String toString() {
    return "CutflowConfig" + describeValues();
  }

  // ---------------------------------------------------------------- catalogue

  /** Every key on the class path, see {@link ConfigCatalogue#keys()}. */
  public static List<ConfigKey> keys() {
    return ConfigCatalogue.keys();
  }

  public static Optional<ConfigKey> key(String name) {
    return ConfigCatalogue.key(name);
  }

  /** The reference table, see {@link ConfigCatalogue#markdownTable()}. */
  public static String markdownTable() {
    return ConfigCatalogue.markdownTable();
  }

  // ---------------------------------------------------------------- internals

  private Optional<String> raw(ConfigKey key) {
    String v = overrides.get(key.name());
    if (v == null) {
      v = systemProperties.get(key.name());
    }
    if (v == null) {
      v = environment.get(key.envName());
    }
    if (v == null) {
      v = key.defaultValue();
    }
    return Optional.ofNullable(v);
  }

  /** The parsed, validated value of {@code key}. */
  private Object value(ConfigKey key) {
    Optional<String> raw = raw(key);
    if (raw.isEmpty()) {
      throw new CutflowConfigException(
          key.name(), "not set and has no default (set " + key.envName() + ")");
    }
    Object value = parse(key, raw.get());
    String problem = key.validator().problem(value);
    if (problem != null) {
      String shown = key.type() == ConfigKey.Type.PASSWORD ? "(secret)" : "'" + raw.get() + "'";
      String allowed = key.validator().allowed();
      throw new CutflowConfigException(
          key.name(),
          "value "
              + shown
              + " from "
              + describe(key)
              + " "
              + problem
              + (allowed.isEmpty() ? "" : " (allowed: " + allowed + ")"));
    }
    return value;
  }

  private Object parse(ConfigKey key, String text) {
    return switch (key.type()) {
      case STRING, PASSWORD -> text;
      case INT -> (int) parseNumber(key, text, Integer.MIN_VALUE, Integer.MAX_VALUE, "an int");
      case LONG -> parseNumber(key, text, Long.MIN_VALUE, Long.MAX_VALUE, "a long");
      case SHORT -> (short) parseNumber(key, text, Short.MIN_VALUE, Short.MAX_VALUE, "a short");
      case BOOLEAN -> parseBoolean(key, text);
    };
  }

  private boolean parseBoolean(ConfigKey key, String text) {
    String v = text.trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default ->
          throw new CutflowConfigException(
              key.name(),
              "expected a boolean (true/false) but got '" + v + "' from " + describe(key));
    };
  }

  private long parseNumber(ConfigKey key, String text, long lo, long hi, String what) {
    String v = text.trim().replace("_", "");
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new CutflowConfigException(
          key.name(), "expected " + what + " but got '" + v + "' from " + describe(key));
    }
    if (n < lo || n > hi) {
      throw new CutflowConfigException(
          key.name(), "value " + n + " from " + describe(key) + " is out of range for " + what);
    }
    return n;
  }

  private String describe(ConfigKey key) {
    return switch (sourceOf(key)) {
      case OVERRIDE -> "an override";
      case SYSTEM_PROPERTY -> "the system property " + key.name();
      case ENVIRONMENT -> "the environment (" + key.envName() + ")";
      case DEFAULT -> "the default";
    };
  }

  private static Map<String, String> systemPropertiesOf(Properties props) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : props.stringPropertyNames()) {
      if (name.startsWith("cutflow.")) {
        out.put(name, props.getProperty(name));
      }
    }
    return out;
  }

  private static Map<String, String> stripNulls(Map<String, String> in) {
    if (in == null) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    in.forEach(
        (k, v) -> {
          if (k != null && v != null) {
            out.put(k, v);
          }
        });
    return Collections.unmodifiableMap(out);
  }
}
