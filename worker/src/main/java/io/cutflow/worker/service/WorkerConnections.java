package io.cutflow.worker.service;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.ops.StartupWait;
import io.cutflow.common.store.ObjectStore;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * What a worker needs of Kafka and the object store, made while its model loads and warms (network
 * round trips and client start-up, little CPU beside the model's): the topics and the cutout
 * bucket, the group consumer and the producer, and connections opened by a reader outside the group
 * ({@link ConsumerWarmUp}), so that after {@code GO} only the group join itself is left.
 */
record WorkerConnections(
    ObjectStore store,
    KafkaConsumer<String, String> consumer,
    KafkaProducer<String, String> producer)
    implements AutoCloseable {

  /**
   * How long the topic check may take. Generous: it runs beside the model's load and warm-up, and a
   * standby warms at low priority; on a saturated 2-core machine a standby took 101 s to warm and
   * its topic check ran out of 30 s, which ended the process as a crash. Later one took 91 s and
   * its check still ended after 60 s, the admin client's default.api.timeout.ms, until {@link
   * Topics#ensureTopics(Admin, Duration)} gave this timeout to the calls themselves. (The
   * connection warm-up after it only tries, and keeps its 10 s.)
   */
  static final Duration TOPIC_CHECK_TIMEOUT = Duration.ofMinutes(2);

  /**
   * Opens everything, waiting through {@code startup} while Kafka or the store does not answer;
   * closes what it opened when a step fails.
   *
   * @throws StartupWait.Stopped the process is stopping
   */
  static WorkerConnections open(
      CutflowConfig config,
      Topics topics,
      WorkerSettings settings,
      Properties consumerProperties,
      StartupWait startup) {
    startup.until(
        StartupWait.Dependency.KAFKA,
        "checking the topics",
        () -> {
          try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
            return topics.ensureTopics(admin, TOPIC_CHECK_TIMEOUT);
          }
        });
    String cutouts = config.getString(StorageConfig.BUCKET_CUTOUTS);
    ObjectStore store = ObjectStore.fromConfig(config);
    try {
      startup.until(
          StartupWait.Dependency.OBJECT_STORE,
          "checking the cutouts bucket " + cutouts,
          () -> {
            store.ensureBucket(cutouts);
            return null;
          });
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties);
    KafkaProducer<String, String> producer = null;
    try {
      producer = new KafkaProducer<>(KafkaClients.producerProperties(config, settings.workerId()));
      Properties rp =
          KafkaClients.consumerProperties(config, null, settings.workerId() + "-warm-up");
      rp.remove(ConsumerConfig.GROUP_ID_CONFIG); // a reader outside the group: it must not join
      rp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
      try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(rp)) {
        ConsumerWarmUp.connect(
            consumer, reader, topics.jobs(), settings.workerId(), Duration.ofSeconds(10));
      }
      return new WorkerConnections(store, consumer, producer);
    } catch (RuntimeException e) {
      consumer.close();
      if (producer != null) {
        producer.close();
      }
      throw e;
    }
  }

  @Override
  public void close() {
    // the consumer first: a static member's closed consumer leaves no group behind
    consumer.close();
    producer.close();
  }
}
