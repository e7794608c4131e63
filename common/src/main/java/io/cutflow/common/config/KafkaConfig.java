package io.cutflow.common.config;

import static io.cutflow.common.config.ConfigKey.Type.INT;
import static io.cutflow.common.config.ConfigKey.Type.SHORT;
import static io.cutflow.common.config.ConfigKey.Type.STRING;

/**
 * Kafka connection and topic settings: read by the worker, the ingest side and the embedded stack.
 */
public final class KafkaConfig implements ConfigKeys {
  public static final ConfigDef DEF = new ConfigDef("common", 10);

  public static final ConfigKey BOOTSTRAP_SERVERS =
      DEF.define(
          "cutflow.kafka.bootstrap-servers",
          STRING,
          "localhost:9092",
          Validators.hostPortList(),
          "Kafka bootstrap servers, host:port[,host:port...].");
  public static final ConfigKey TOPIC_JOBS =
      DEF.define(
          "cutflow.kafka.topic.jobs",
          STRING,
          "cutflow.jobs",
          Validators.kafkaName(),
          "Topic of JobRequest records (cutflow.job-request/v1 JSON), keyed by job id.");
  public static final ConfigKey TOPIC_RESULTS =
      DEF.define(
          "cutflow.kafka.topic.results",
          STRING,
          "cutflow.results",
          Validators.kafkaName(),
          "Topic of JobResult records (cutflow.job-result/v1 JSON), keyed by job id.");
  public static final ConfigKey TOPIC_DEAD_LETTERS =
      DEF.define(
          "cutflow.kafka.topic.dead-letters",
          STRING,
          "cutflow.dead-letters",
          Validators.kafkaName(),
          "Topic of records that can never succeed (bad JSON, undecodable image), with the reason.");
  public static final ConfigKey TOPIC_THROUGHPUT =
      DEF.define(
          "cutflow.kafka.topic.throughput",
          STRING,
          "cutflow.throughput",
          Validators.kafkaName(),
          "Topic of windowed throughput statistics (1m and 1h windows, JSON) the ingest publishes.");
  public static final ConfigKey PARTITIONS =
      DEF.define(
          "cutflow.kafka.partitions",
          INT,
          6,
          Validators.atLeast(1),
          "Partitions for topics Cutflow creates; bounds how many workers consume in parallel.");
  public static final ConfigKey REPLICATION_FACTOR =
      DEF.define(
          "cutflow.kafka.replication-factor",
          SHORT,
          1,
          Validators.atLeast(1),
          "Replication factor for topics Cutflow creates (1 for a single broker; 3 in production).");
  public static final ConfigKey GROUP_ID =
      DEF.define(
          "cutflow.kafka.group-id",
          STRING,
          "cutflow-workers",
          Validators.kafkaName(),
          "Consumer group of the workers.");

  @Override
  public ConfigDef definition() {
    return DEF;
  }
}
