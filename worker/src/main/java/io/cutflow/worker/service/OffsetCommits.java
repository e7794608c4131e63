package io.cutflow.worker.service;

import java.time.Duration;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll thread's commits: as records finish ({@link #commitFinished}, asynchronous), and once at
 * the end ({@link #drain}: wait for what is in flight, then commit synchronously). Only what {@link
 * OffsetTracker} says is finished, with everything before it on its partition, is committed: at
 * least once. Poll thread only, as the consumer.
 */
final class OffsetCommits {
  private static final Logger log = LoggerFactory.getLogger(OffsetCommits.class);

  private final Consumer<String, String> consumer;
  private final OffsetTracker tracker;
  private final WorkerMetrics metrics;
  private final String workerId;

  OffsetCommits(
      Consumer<String, String> consumer,
      OffsetTracker tracker,
      WorkerMetrics metrics,
      String workerId) {
    this.consumer = consumer;
    this.tracker = tracker;
    this.metrics = metrics;
    this.workerId = workerId;
  }

  /** Commits, without waiting, what has finished since the last commit. */
  void commitFinished() {
    Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();
    if (!offsets.isEmpty()) {
      consumer.commitAsync(
          offsets,
          (committed, error) -> {
            if (error != null) {
              log.atWarn()
                  .setMessage("offset commit failed; will retry with the next one")
                  .addKeyValue("offsets", committed)
                  .addKeyValue("error", error.toString())
                  .log();
            }
          });
    }
  }

  /**
   * Waits up to {@code timeout} for in-flight records to finish, then commits synchronously; what
   * is unfinished then is redelivered to the next owner. {@code finished}: for the log line.
   */
  void drain(Duration timeout, IntSupplier finished) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (tracker.inFlight() > 0 && System.nanoTime() < deadline) {
        // Keep the consumer's group membership alive and flush async commits while we wait.
        consumer.pause(consumer.assignment());
        try {
          consumer.poll(Duration.ofMillis(50));
        } catch (WakeupException ignored) {
          // requestStop may wake us again; keep draining
        }
        commitFinished();
      }
      if (tracker.inFlight() > 0) {
        log.atWarn()
            .setMessage("drain timed out; unfinished records will be redelivered")
            .addKeyValue("in_flight", tracker.inFlight())
            .log();
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();
      if (!offsets.isEmpty()) {
        consumer.commitSync(offsets);
      }
      metrics.lastCommit(System.currentTimeMillis());
      log.atInfo()
          .setMessage("worker drained and committed")
          .addKeyValue("worker", workerId)
          .addKeyValue("finished", finished.getAsInt())
          .addKeyValue("offsets", offsets)
          .log();
    } catch (RuntimeException e) {
      log.atWarn()
          .setMessage("final commit failed; uncommitted records will be redelivered")
          .addKeyValue("error", e.toString())
          .log();
    }
  }
}
