package io.cutflow.worker.service;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of a rebalance, run on the poll thread: on revoke, drains and commits the
 * revoked partitions' in-flight records; on assign, keeps new partitions paused while the pipeline
 * is full.
 */
final class RebalanceHandler implements ConsumerRebalanceListener {
  // The worker's logger, so log lines and logger settings stay as they were before the split.
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  /**
   * How long a revocation waits for the revoked partitions' in-flight records (well under
   * max.poll.interval.ms).
   */
  private static final Duration REVOKE_DRAIN = Duration.ofSeconds(30);

  private final Consumer<String, String> consumer;
  private final OffsetTracker tracker;
  private final WorkerMetrics metrics;
  private final String workerId;
  private final BooleanSupplier paused;
  private final BooleanSupplier ended;
  private final java.util.function.Consumer<Collection<TopicPartition>> released;
  private volatile boolean assigned;

  /**
   * @param paused whether the poll loop has paused its partitions (the pipeline is full)
   * @param ended whether the poll loop has returned: a revocation then is our own consumer closing,
   *     not a rebalance
   * @param released told of partitions revoked or lost, first: records of theirs that were polled
   *     but not yet dispatched must be dropped (the next owner gets them)
   */
  RebalanceHandler(
      Consumer<String, String> consumer,
      OffsetTracker tracker,
      WorkerMetrics metrics,
      String workerId,
      BooleanSupplier paused,
      BooleanSupplier ended,
      java.util.function.Consumer<Collection<TopicPartition>> released) {
    this.consumer = consumer;
    this.tracker = tracker;
    this.metrics = metrics;
    this.workerId = workerId;
    this.paused = paused;
    this.ended = ended;
    this.released = released;
  }

  /** Whether the group has given this worker partitions at least once. */
  boolean assigned() {
    return assigned;
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    assigned = true;
    int generation;
    try {
      generation = consumer.groupMetadata().generationId();
    } catch (RuntimeException e) {
      generation = -1;
    }
    // Report the whole assignment (under cooperative rebalancing the callback lists only
    // additions).
    metrics.assigned(Set.copyOf(consumer.assignment()), generation);
    log.atInfo()
        .setMessage("partitions assigned")
        .addKeyValue("worker", workerId)
        .addKeyValue("partitions", partitions)
        .log();
    if (paused.getAsBoolean()) {
      consumer.pause(partitions);
    }
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    released.accept(partitions);
    // Let the revoked partitions' in-flight records finish (bounded), so the new owner doesn't
    // redo them; whatever is still unfinished at the deadline is abandoned and redelivered.
    long deadline = System.nanoTime() + REVOKE_DRAIN.toNanos();
    while (tracker.inFlight(partitions) > 0
        && System.nanoTime() < deadline
        && !Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable(partitions);
    try {
      if (!offsets.isEmpty()) {
        consumer.commitSync(offsets);
      }
    } catch (RuntimeException e) {
      log.atWarn().setMessage("commit on revoke failed").addKeyValue("error", e.toString()).log();
    }
    tracker.forget(partitions);
    // Closing the consumer revokes too; only a rebalance is worth reporting.
    if (!ended.getAsBoolean()) {
      metrics.revoked(partitions);
    }
    log.atInfo()
        .setMessage("partitions revoked")
        .addKeyValue("worker", workerId)
        .addKeyValue("partitions", partitions)
        .log();
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    released.accept(partitions);
    tracker.forget(partitions);
    metrics.revoked(partitions);
  }
}
