package io.cutflow.common.kafka;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Client {@link Properties} for Cutflow's Kafka usage; callers may add or override entries. Records
 * are JSON strings keyed by job id (String serdes both ways).
 */
public final class KafkaClients {
  private KafkaClients() {}

  /** Admin client: bootstrap servers only. */
  public static Properties adminProperties(CutflowConfig config) {
    Properties p = new Properties();
    p.put(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        config.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    return p;
  }

  /**
   * Durable producer: {@code acks=all}, {@code enable.idempotence=true} (no duplicates from
   * producer retries, order kept per partition), String key and value.
   */
  public static Properties producerProperties(CutflowConfig config, String clientId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    if (clientId != null) {
      p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    }
    return p;
  }

  /**
   * Consumer of the configured group ({@code cutflow.kafka.group-id}) unless {@code groupId} is
   * given: {@code enable.auto.commit=false} (commit only what was processed), {@code
   * auto.offset.reset=earliest}, String key and value.
   */
  public static Properties consumerProperties(
      CutflowConfig config, String groupId, String clientId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    p.put(
        ConsumerConfig.GROUP_ID_CONFIG,
        groupId != null ? groupId : config.getString(KafkaConfig.GROUP_ID));
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    if (clientId != null) {
      p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    }
    return p;
  }
}
