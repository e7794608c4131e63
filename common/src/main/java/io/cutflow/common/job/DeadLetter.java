package io.cutflow.common.job;

import java.time.Instant;

/**
 * A record that can never succeed, as published to the dead-letter topic ({@code
 * cutflow.kafka.topic.dead-letters}), wire form {@code cutflow.dead-letter/v1}, snake_case.
 *
 * <p>A dead letter always fits in a Kafka record of the default size (1 MB): {@link #of} keeps at
 * most {@link #MAX_VALUE_CHARS} of the original value, {@link #MAX_KEY_CHARS} of its key and {@link
 * #MAX_MESSAGE_CHARS} of the message, and says what it cut. A record near the broker's limit,
 * copied whole and escaped again inside this JSON, made a dead letter of 1.2 MB that the broker
 * refused: the worker stopped so the record would be redelivered, and failed it again, forever.
 *
 * @param value the original record value as text (bytes that are not UTF-8 read as U+FFFD), or its
 *     first {@link #MAX_VALUE_CHARS} characters; null for a tombstone
 * @param key the original record key, or its first {@link #MAX_KEY_CHARS} characters; may be null
 * @param topic where it came from
 * @param partition its partition
 * @param offset its offset
 * @param jobId the job id when the value could be parsed that far, else null
 * @param reason the failure code (permanent)
 * @param message human-readable detail (violations, decoder message)
 * @param workerId who gave up on it
 * @param at when
 * @param valueLength the original value's length in characters when {@code value} holds only its
 *     start (replay the original record from topic, partition and offset); else null
 * @param keyLength the original key's length in characters when {@code key} holds only its start;
 *     else null
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
    Instant at,
    Integer valueLength,
    Integer keyLength) {

  public static final String SCHEMA = "cutflow.dead-letter/v1";

  /**
   * The most of the original value a dead letter holds: 600 KB as JSON at most (a control character
   * escapes to 6 bytes), which leaves room for the rest under Kafka's default 1 MB.
   */
  public static final int MAX_VALUE_CHARS = 100_000;

  /** The most of the original key a dead letter holds. */
  public static final int MAX_KEY_CHARS = 1_024;

  /** The most of the message a dead letter holds. */
  public static final int MAX_MESSAGE_CHARS = 16_384;

  public DeadLetter {
    schema = schema == null ? SCHEMA : schema;
  }

  /** A dead letter of {@code value} and {@code key}, each cut to its limit (see the class). */
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
        SCHEMA,
        LongText.start(value, MAX_VALUE_CHARS),
        LongText.start(key, MAX_KEY_CHARS),
        topic,
        partition,
        offset,
        jobId,
        reason,
        LongText.start(message, MAX_MESSAGE_CHARS),
        workerId,
        at,
        value != null && value.length() > MAX_VALUE_CHARS ? value.length() : null,
        key != null && key.length() > MAX_KEY_CHARS ? key.length() : null);
  }
}
