package io.cutflow.ingest.status;

import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.ingest.stats.ThroughputTopology;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job-status topology: the latest {@link JobStatus} per job id, in the key-value store {@link
 * #STORE}, from the jobs and results topics:
 *
 * <pre>
 *   jobs topic    → JobRequest → "queued" ─────────┐
 *                                                  ├─ merge → key by job_id → repartition
 *   results topic → JobResult  → "done"/"failed" ──┘        → peek → onResult (results only)
 *                                                           → groupByKey → reduce(JobStatus::merge)
 *                                                           → STORE (+ changelog)
 *   results topic → JobResult → {@link ThroughputTopology} (1 m and 1 h windows → throughput topic)
 * </pre>
 *
 * The key of the input records is ignored: a producer may key a job by anything (or nothing) and
 * partition it any way (librdkafka's CRC32, Java's murmur2); the status is keyed by the {@code
 * job_id} inside the record and the store partitioned by it, so request and result meet in one task
 * and {@code KafkaStreams.queryMetadataForKey(STORE, jobId, ...)} names the instance that holds it.
 * One repartition after the merge (not one per input) keeps a single internal topic whose partition
 * count cannot differ between the two sides. Records that do not parse are skipped (the worker
 * dead-letters bad job requests). The store is logged, so a restarted instance restores it from the
 * changelog topic; it is queried in place (interactive queries) by {@link JobStatusService}.
 */
public final class JobStatusTopology {
  private static final Logger log = LoggerFactory.getLogger(JobStatusTopology.class);

  /** Name of the status store (and, prefixed with the application id, of its changelog topic). */
  public static final String STORE = "job-status";

  /**
   * Name of the repartition step (its topic is {@code <application id>-by-job-id-repartition}): the
   * store's partitioning, which {@code KafkaStreams.queryMetadataForKey} reproduces.
   */
  public static final String REPARTITION = "by-job-id";

  private JobStatusTopology() {}

  /** The repartition step's topic, named by Kafka Streams' rule for a named repartition. */
  public static String repartitionTopic(String applicationId) {
    return applicationId + "-" + REPARTITION + "-repartition";
  }

  public static Topology build(Topics topics, JobCodec codec, Consumer<JobResult> onResult) {
    JobStatusSerde statusSerde = new JobStatusSerde();
    StreamsBuilder builder = new StreamsBuilder();

    KStream<String, JobStatus> queued =
        builder.stream(
                topics.jobs(), Consumed.with(Serdes.String(), Serdes.String()).withName("jobs"))
            .flatMapValues(json -> parseRequest(codec, json), Named.as("parse-jobs"));

    KStream<String, JobResult> results =
        builder.stream(
                topics.results(),
                Consumed.with(Serdes.String(), Serdes.String()).withName("results"))
            .flatMapValues(json -> parseResult(codec, json), Named.as("parse-results"));
    KStream<String, JobStatus> finished =
        results.mapValues(JobStatus::finished, Named.as("finished"));
    ThroughputTopology.addTo(results, topics.throughput());

    // the record key is whatever the producer chose (another client's key, null) and its partition
    // whatever its partitioner chose: key by the job id inside the record and repartition, so the
    // request and the results of one job always reach the same task and the same store key
    KStream<String, JobStatus> byJobId =
        queued
            .merge(finished, Named.as("jobs-and-results"))
            .selectKey((key, status) -> status.jobId(), Named.as("key-by-job-id"))
            .repartition(
                Repartitioned.<String, JobStatus>as(REPARTITION)
                    .withKeySerde(Serdes.String())
                    .withValueSerde(statusSerde));

    byJobId
        .peek(
            (jobId, status) -> {
              if (status.result() != null) {
                onResult.accept(status.result());
              }
            },
            Named.as("notify-results"))
        .groupByKey(Grouped.with(Serdes.String(), statusSerde))
        .reduce(
            JobStatus::merge,
            Materialized.<String, JobStatus, KeyValueStore<Bytes, byte[]>>as(STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(statusSerde)
                .withCachingDisabled());

    return builder.build();
  }

  private static List<JobStatus> parseRequest(JobCodec codec, String json) {
    try {
      return List.of(JobStatus.queued(codec.decodeRequest(json)));
    } catch (InvalidJobException | RuntimeException e) {
      log.debug("skipping a job record that does not parse: {}", e.getMessage());
      return List.of();
    }
  }

  private static List<JobResult> parseResult(JobCodec codec, String json) {
    try {
      return List.of(codec.decodeResult(json));
    } catch (InvalidJobException | RuntimeException e) {
      log.debug("skipping a result record that does not parse: {}", e.getMessage());
      return List.of();
    }
  }
}
