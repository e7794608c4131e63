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
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job-status topology: the latest {@link JobStatus} per job id, in the key-value store {@link
 * #STORE}, from two inputs keyed by job id:
 *
 * <pre>
 *   jobs topic    → JobRequest → "queued" ─┐
 *                                          ├─ merge → groupByKey → reduce(JobStatus::merge) → STORE (+ changelog)
 *   results topic → JobResult  → "done"/"failed" ─┘
 *                                 └─ peek → onResult (wakes up requests waiting for that job)
 *   results topic → JobResult → {@link ThroughputTopology} (1 m and 1 h windows → throughput topic)
 * </pre>
 *
 * Records that do not parse are skipped (the worker dead-letters bad job requests). The store is
 * logged, so a restarted instance restores it from the changelog topic; it is queried in place
 * (interactive queries) by {@link JobStatusService}.
 */
public final class JobStatusTopology {
  private static final Logger log = LoggerFactory.getLogger(JobStatusTopology.class);

  /** Name of the status store (and, prefixed with the application id, of its changelog topic). */
  public static final String STORE = "job-status";

  private JobStatusTopology() {}

  public static Topology build(Topics topics, JobCodec codec, Consumer<JobResult> onResult) {
    JobStatusSerde statusSerde = new JobStatusSerde();
    StreamsBuilder builder = new StreamsBuilder();

    KStream<String, JobStatus> queued =
        builder.stream(
                topics.jobs(), Consumed.with(Serdes.String(), Serdes.String()).withName("jobs"))
            .flatMapValues(json -> parseRequest(codec, json));

    KStream<String, JobResult> results =
        builder.stream(
                topics.results(),
                Consumed.with(Serdes.String(), Serdes.String()).withName("results"))
            .flatMapValues(json -> parseResult(codec, json));
    KStream<String, JobStatus> finished =
        results.peek((jobId, result) -> onResult.accept(result)).mapValues(JobStatus::finished);
    ThroughputTopology.addTo(results, topics.throughput());

    queued
        .merge(finished)
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
