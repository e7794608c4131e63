package io.cutflow.common.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The settings one module declares, in declaration order. A module's key class holds one as {@code
 * DEF} and declares each key through it, next to the code that reads the key:
 *
 * <pre>{@code
 * public static final ConfigDef DEF = new ConfigDef("worker", 40);
 * public static final ConfigKey QUEUE_CAPACITY = DEF.define("cutflow.worker.queue-capacity",
 *     Type.INT, 4, Validators.between(1, 256), "Records a worker holds between poll and inference.");
 * }</pre>
 *
 * <p>{@link ConfigCatalogue} finds every module's definition on the class path through {@link
 * ConfigKeys}.
 */
public final class ConfigDef {
  private final String module;
  private final int order;
  private final List<ConfigKey> keys = new ArrayList<>();

  /**
   * @param module the module name shown in the reference
   * @param order where this module's keys appear in the reference (lower first)
   */
  public ConfigDef(String module, int order) {
    this.module = Objects.requireNonNull(module, "module");
    this.order = order;
  }

  /** Declares a key; the default (any type, stringified) may be null for "no default". */
  public synchronized ConfigKey define(
      String name, ConfigKey.Type type, Object defaultValue, Validator validator, String doc) {
    if (!name.startsWith("cutflow.")) {
      throw new IllegalArgumentException("setting names start with 'cutflow.': " + name);
    }
    if (keys.stream().anyMatch(k -> k.name().equals(name))) {
      throw new IllegalStateException("config key declared twice: " + name);
    }
    String def = defaultValue == null ? null : String.valueOf(defaultValue);
    ConfigKey key = new ConfigKey(name, type, def, doc, validator, module);
    keys.add(key);
    return key;
  }

  /** A key that takes any value of its type. */
  public ConfigKey define(String name, ConfigKey.Type type, Object defaultValue, String doc) {
    return define(name, type, defaultValue, Validators.any(), doc);
  }

  public String module() {
    return module;
  }

  public int order() {
    return order;
  }

  public synchronized List<ConfigKey> keys() {
    return Collections.unmodifiableList(new ArrayList<>(keys));
  }
}
