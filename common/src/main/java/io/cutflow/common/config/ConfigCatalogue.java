package io.cutflow.common.config;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/** Every setting on the class path (every module's {@link ConfigKeys}), and their reference. */
public final class ConfigCatalogue {
  private ConfigCatalogue() {}

  private static final class Holder {
    static final Map<String, ConfigKey> KEYS = discover();
  }

  /** Every known key: modules by their order, keys in declaration order. */
  public static List<ConfigKey> keys() {
    return List.copyOf(Holder.KEYS.values());
  }

  public static Optional<ConfigKey> key(String name) {
    return Optional.ofNullable(Holder.KEYS.get(name));
  }

  /** The reference as a Markdown table (one row per key), as the README carries it. */
  public static String markdownTable() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| setting (system property / environment variable) | module | default | allowed | meaning |\n");
    sb.append("| --- | --- | --- | --- | --- |\n");
    for (ConfigKey key : keys()) {
      String def =
          key.defaultValue() == null
              ? "*(none)*"
              : key.defaultValue().isEmpty() ? "*(empty)*" : "`" + key.defaultValue() + "`";
      String allowed =
          key.type() == ConfigKey.Type.BOOLEAN ? "true, false" : key.validator().allowed();
      sb.append("| `")
          .append(key.name())
          .append("`<br>`")
          .append(key.envName())
          .append("` | ")
          .append(key.module())
          .append(" | ")
          .append(def)
          .append(" | ")
          .append(allowed.isEmpty() ? "any" : escape(allowed))
          .append(" | ")
          .append(escape(key.doc()))
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String escape(String text) {
    return text.replace("|", "\\|");
  }

  private static Map<String, ConfigKey> discover() {
    List<ConfigDef> defs =
        ServiceLoader.load(ConfigKeys.class, ConfigCatalogue.class.getClassLoader()).stream()
            .map(p -> p.get().definition())
            .sorted(Comparator.comparingInt(ConfigDef::order))
            .toList();
    Map<String, ConfigKey> out = new LinkedHashMap<>();
    for (ConfigDef def : defs) {
      for (ConfigKey key : def.keys()) {
        ConfigKey before = out.putIfAbsent(key.name(), key);
        if (before != null) {
          throw new IllegalStateException(
              "config key "
                  + key.name()
                  + " declared by both "
                  + before.module()
                  + " and "
                  + def.module());
        }
      }
    }
    return out;
  }
}
