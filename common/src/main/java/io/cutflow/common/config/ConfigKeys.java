package io.cutflow.common.config;

/**
 * A module's settings, found on the class path by {@link java.util.ServiceLoader} (listed in that
 * module's {@code META-INF/services/io.cutflow.common.config.ConfigKeys}). So a process knows the
 * keys of exactly the modules it runs, and {@code common} needs no knowledge of worker or ingest
 * keys.
 */
public interface ConfigKeys {
  /** The module's declarations; the implementing class holds them as constants. */
  ConfigDef definition();
}
