package io.cutflow.worker.service;

import java.time.Duration;

/**
 * How one worker process runs, resolved from configuration and flags.
 *
 * @param workerId appears in every result and log line
 * @param groupInstanceId Kafka static membership id (null: dynamic membership). A replacement with
 *     the same id takes over its predecessor's partitions without a rebalance.
 * @param queueCapacity images decoded and waiting for the model (bounds memory)
 * @param recycleAfter stop after this many records (0: never)
 * @param maxRssMb stop when resident memory passes this (0: no ceiling)
 * @param crashRetries a record the supervisor names as in flight at more worker crashes than this
 *     is failed as {@code worker_crashed} instead of processed
 * @param stallTimeout how long the worker may hold records with no stage completing anything before
 *     {@code /readyz} reports it stalled
 */
public record WorkerSettings(
    String workerId,
    String groupInstanceId,
    int queueCapacity,
    int ioThreads,
    int recycleAfter,
    long maxRssMb,
    int crashRetries,
    Duration stallTimeout) {
  /** {@code cutflow.worker.crash-retries}' default. */
  public static final int DEFAULT_CRASH_RETRIES = 2;

  /** The default of {@code cutflow.worker.stall-timeout-ms}. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(2);

  /** With the default crash retries and stall timeout. */
  public WorkerSettings(
      String workerId,
      String groupInstanceId,
      int queueCapacity,
      int ioThreads,
      int recycleAfter,
      long maxRssMb) {
    this(
        workerId,
        groupInstanceId,
        queueCapacity,
        ioThreads,
        recycleAfter,
        maxRssMb,
        DEFAULT_CRASH_RETRIES,
        DEFAULT_STALL_TIMEOUT);
  }

  public WorkerSettings {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queue capacity must be ≥ 1, got " + queueCapacity);
    }
    if (ioThreads < 1) {
      throw new IllegalArgumentException("io threads must be ≥ 1, got " + ioThreads);
    }
    if (crashRetries < 0) {
      throw new IllegalArgumentException("crash retries must be ≥ 0, got " + crashRetries);
    }
    if (stallTimeout == null || stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException("stall timeout must be positive, got " + stallTimeout);
    }
  }

  /**
   * Most records in the pipeline at once: queued for the model, in the model, and being written.
   */
  public int maxInFlight() {
    return queueCapacity + 1 + ioThreads * 2;
  }
}
