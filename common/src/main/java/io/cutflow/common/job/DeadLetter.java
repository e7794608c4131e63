package io.cutflow.common.job;

import java.time.Instant;

/**
 * A record that can never succeed, as published to the dead-letter topic ({@code
 * cutflow.kafka.topic.dead-letters}), wire form {@code cutflow.dead-letter/v1}, snake_case.
 *
 * @param value the original record value, verbatim (may be null for a tombstone)
 * @param key the original record key, may be null
 * @param topic where it came from
 * @param partition its partition
 * @param offset its offset
 * @param jobId the job id when the value could be parsed that far, else null
 * @param reason the failure code (permanent)
 * @param message human-readable detail (violations, decoder message)
 * @param workerId who gave up on it
 * @param at when
 */
public record DeadLetter(
    String schema,
    String value,
    String key,
    String topic,
    int partition,
    long offset,
    String jobId,
    FailureCode reason,
    String message,
    String workerId,
    Instant at) {

  public static final String SCHEMA = "cutflow.dead-letter/v1";

  public DeadLetter {
    schema = schema == null ? SCHEMA : schema;
  }

  public static DeadLetter of(
      String value,
      String key,
      String topic,
      int partition,
      long offset,
      String jobId,
      FailureCode reason,
      String message,
      String workerId,
      Instant at) {
    return new DeadLetter(
        SCHEMA, value, key, topic, partition, offset, jobId, reason, message, workerId, at);
  }
}
