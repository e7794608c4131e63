package io.cutflow.common.cli;

import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Flags shared by every command that talks to real Kafka and S3 (picocli mixin). Each flag is a
 * shortcut for a {@link CutflowConfig} key; {@code -D key=value} sets any other key. Unset flags
 * fall through to system properties, then {@code CUTFLOW_*} environment variables, then defaults.
 */
public final class ConnectionOptions {
  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (cutflow.kafka.bootstrap-servers).")
  String bootstrapServers;

  @Option(
      names = "--s3-endpoint",
      paramLabel = "URL",
      description = "S3/MinIO endpoint (cutflow.s3.endpoint).")
  String s3Endpoint;

  @Option(
      names = "--s3-access-key",
      description = "S3 access key (cutflow.s3.access-key; prefer CUTFLOW_S3_ACCESS_KEY).")
  String s3AccessKey;

  @Option(
      names = "--s3-secret-key",
      description = "S3 secret key (cutflow.s3.secret-key; prefer CUTFLOW_S3_SECRET_KEY).")
  String s3SecretKey;

  @Option(
      names = "-D",
      paramLabel = "KEY=VALUE",
      description = "Any configuration key (see README, Configuration).")
  Map<String, String> properties = new LinkedHashMap<>();

  /** The flags as configuration overrides. */
  public Map<String, String> overrides() {
    Map<String, String> o = new LinkedHashMap<>(properties);
    put(o, KafkaConfig.BOOTSTRAP_SERVERS, bootstrapServers);
    put(o, StorageConfig.S3_ENDPOINT, s3Endpoint);
    put(o, StorageConfig.S3_ACCESS_KEY, s3AccessKey);
    put(o, StorageConfig.S3_SECRET_KEY, s3SecretKey);
    return o;
  }

  public CutflowConfig config() {
    return CutflowConfig.load(overrides());
  }

  private static void put(Map<String, String> o, ConfigKey key, String value) {
    if (value != null) {
      o.put(key.name(), value);
    }
  }
}
