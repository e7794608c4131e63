package io.cutflow.ingest.bucket;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.ingest.IngestConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The topics of bucket uploads: the bucket-events topic the bridge reads ({@code
 * cutflow.bridge.topic}) and the watchers' compacted progress topic ({@code
 * cutflow.watch.progress-topic}). Kafka Streams does not create its source topics, so whoever
 * starts first (bridge or watcher) creates both; existing topics are left as they are.
 */
public final class BucketTopics {
  private BucketTopics() {}

  public static void ensure(CutflowConfig config) {
    int partitions = config.getInt(KafkaConfig.PARTITIONS);
    short rf = config.getShort(KafkaConfig.REPLICATION_FACTOR);
    List<NewTopic> wanted = new ArrayList<>();
    wanted.add(new NewTopic(config.getString(IngestConfig.BRIDGE_TOPIC), partitions, rf));
    wanted.add(
        new NewTopic(config.getString(IngestConfig.WATCH_PROGRESS_TOPIC), 1, rf)
            .configs(
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
      for (var f : admin.createTopics(missing).values().entrySet()) {
        try {
          f.getValue().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "cannot create topic " + f.getKey() + ": " + e.getCause(), e.getCause());
          }
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list topics: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "timed out creating the bucket-upload topics; is Kafka at "
              + config.getString(KafkaConfig.BOOTSTRAP_SERVERS)
              + " reachable?",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating the bucket-upload topics", e);
    }
  }
}
