package io.cutflow.common.config;

import static io.cutflow.common.config.ConfigKey.Type.INT;
import static io.cutflow.common.config.ConfigKey.Type.STRING;

/**
 * The operations endpoint ({@code /healthz}, {@code /readyz}, {@code /metrics}) of every process.
 */
public final class OpsConfig implements ConfigKeys {
  public static final ConfigDef DEF = new ConfigDef("common", 30);

  public static final ConfigKey PORT =
      DEF.define(
          "cutflow.ops.port",
          INT,
          9400,
          Validators.port(),
          "Port of /healthz, /readyz, /metrics of single-instance processes (ingest, supervisor); 0 = ephemeral.");
  public static final ConfigKey HOST =
      DEF.define(
          "cutflow.ops.host",
          STRING,
          "0.0.0.0",
          Validators.nonEmpty(),
          "Interface the ops endpoint binds to.");

  @Override
  public ConfigDef definition() {
    return DEF;
  }
}
