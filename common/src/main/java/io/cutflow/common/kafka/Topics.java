package io.cutflow.common.kafka;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cutflow's topics: names, partitions and replication from {@link CutflowConfig} ({@code
 * cutflow.kafka.topic.*}, {@code cutflow.kafka.partitions}, {@code
 * cutflow.kafka.replication-factor}).
 */
public final class Topics {
  private static final Logger LOG = LoggerFactory.getLogger(Topics.class);

  private final String jobs;
  private final String results;
  private final String deadLetters;
  private final String throughput;
  private final int partitions;
  private final short replicationFactor;

  public Topics(CutflowConfig config) {
    this(
        config.getString(KafkaConfig.TOPIC_JOBS),
        config.getString(KafkaConfig.TOPIC_RESULTS),
        config.getString(KafkaConfig.TOPIC_DEAD_LETTERS),
        config.getString(KafkaConfig.TOPIC_THROUGHPUT),
        config.getInt(KafkaConfig.PARTITIONS),
        config.getShort(KafkaConfig.REPLICATION_FACTOR));
  }

  /** With the default throughput topic, {@code cutflow.throughput}. */
  public Topics(
      String jobs, String results, String deadLetters, int partitions, short replicationFactor) {
    this(jobs, results, deadLetters, "cutflow.throughput", partitions, replicationFactor);
  }

  public Topics(
      String jobs,
      String results,
      String deadLetters,
      String throughput,
      int partitions,
      short replicationFactor) {
    this.jobs = jobs;
    this.results = results;
    this.deadLetters = deadLetters;
    this.throughput = throughput;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
  }

  public String jobs() {
    return jobs;
  }

  public String results() {
    return results;
  }

  public String deadLetters() {
    return deadLetters;
  }

  /** Windowed throughput statistics the ingest publishes (see {@code ingest.stats}). */
  public String throughput() {
    return throughput;
  }

  public int partitions() {
    return partitions;
  }

  public short replicationFactor() {
    return replicationFactor;
  }

  /** jobs, results, dead letters (the pipeline's; the ingest adds {@link #throughput()}). */
  public List<String> all() {
    return List.of(jobs, results, deadLetters);
  }

  /** {@link #ensureTopics(Admin, Duration)} with a 30 s timeout. */
  public Set<String> ensureTopics(Admin admin) {
    return ensureTopics(admin, Duration.ofSeconds(30));
  }

  /**
   * Creates whichever of the three topics do not exist yet, with the configured partitions and
   * replication factor. Idempotent: existing topics (including ones another process creates
   * concurrently) are left as they are.
   *
   * @return the topics this call created
   */
  public Set<String> ensureTopics(Admin admin, Duration timeout) {
    return ensureTopics(admin, timeout, all());
  }

  /** As {@link #ensureTopics(Admin, Duration)}, for {@code names}. */
  public Set<String> ensureTopics(Admin admin, Duration timeout, List<String> names) {
    // The calls carry the timeout themselves: otherwise the admin client's own
    // default.api.timeout.ms (60 s) ends them first, whatever the wait below allows.
    int callMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    try {
      Set<String> existing =
          admin
              .listTopics(new ListTopicsOptions().timeoutMs(callMs))
              .names()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String name : new LinkedHashSet<>(names)) {
        if (!existing.contains(name)) {
          missing.add(new NewTopic(name, partitions, replicationFactor));
        }
      }
      Set<String> created = new LinkedHashSet<>();
      if (missing.isEmpty()) {
        return created;
      }
      CreateTopicsResult result =
          admin.createTopics(missing, new CreateTopicsOptions().timeoutMs(callMs));
      for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e :
          result.values().entrySet()) {
        try {
          e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          created.add(e.getKey());
          LOG.info(
              "created topic {} ({} partitions, replication {})",
              e.getKey(),
              partitions,
              replicationFactor);
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw ex;
          }
        }
      }
      return created;
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot create topics " + names + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "timed out creating topics " + names + " after " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating topics", e);
    }
  }

  @Override
  public String toString() {
    return "Topics[jobs="
        + jobs
        + ", results="
        + results
        + ", deadLetters="
        + deadLetters
        + ", partitions="
        + partitions
        + ", replicationFactor="
        + replicationFactor
        + "]";
  }
}
