package io.cutflow.ingest;

import static io.cutflow.common.config.ConfigKey.Type.INT;
import static io.cutflow.common.config.ConfigKey.Type.LONG;
import static io.cutflow.common.config.ConfigKey.Type.PASSWORD;
import static io.cutflow.common.config.ConfigKey.Type.STRING;

import io.cutflow.common.config.ConfigDef;
import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.ConfigKeys;
import io.cutflow.common.config.Validators;

/** Settings of the ingest service: its HTTP API, upload limits and job-status topology. */
public final class IngestConfig implements ConfigKeys {
  public static final ConfigDef DEF = new ConfigDef("ingest", 50);

  public static final ConfigKey HTTP_PORT =
      DEF.define(
          "cutflow.ingest.http-port",
          INT,
          8080,
          Validators.port(),
          "Port of the ingest HTTP API and web UI; 0 = ephemeral.");
  public static final ConfigKey MAX_UPLOAD_BYTES =
      DEF.define(
          "cutflow.ingest.max-upload-bytes",
          LONG,
          32L * 1024 * 1024,
          Validators.atLeast(1),
          "Largest HTTP upload in bytes (the whole request body of POST /v1/jobs or /api/remove); larger ones get 413.");
  public static final ConfigKey MAX_FILES =
      DEF.define(
          "cutflow.ingest.max-files",
          INT,
          100,
          Validators.between(1, 10_000),
          "Most images in one POST /v1/jobs request; more get 400.");
  public static final ConfigKey API_KEY =
      DEF.define(
          "cutflow.ingest.api-key",
          PASSWORD,
          "",
          "API key the ingest HTTP API requires (header X-API-Key or Authorization: Bearer); empty = no authentication. /healthz, /readyz and /metrics stay open.");
  public static final ConfigKey REMOVE_TIMEOUT_MS =
      DEF.define(
          "cutflow.ingest.remove-timeout-ms",
          LONG,
          60_000,
          Validators.atLeast(1),
          "How long POST /api/remove waits for the cutout before answering 504 (the job still completes).");
  public static final ConfigKey APPLICATION_ID =
      DEF.define(
          "cutflow.ingest.application-id",
          STRING,
          "cutflow-ingest-status",
          Validators.kafkaName(),
          "Kafka Streams application.id of the ingest's job-status topology (consumer group and prefix of its changelog topic).");
  public static final ConfigKey STATE_DIR =
      DEF.define(
          "cutflow.ingest.state-dir",
          STRING,
          "",
          "Kafka Streams state directory of the job-status store; empty = a fresh temporary directory per start (the store is then restored from its changelog topic).");

  @Override
  public ConfigDef definition() {
    return DEF;
  }
}
