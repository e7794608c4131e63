package io.cutflow.common.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * Why a job failed. {@link #code()} is the wire value in {@code JobResult.failure.code} and in dead
 * letters; {@link #isPermanent()} says whether retrying the same record can ever succeed. Every
 * failure goes to the dead-letter topic, from which a transient one is worth replaying; an outage
 * of the object store is not a failure at all (workers hold the job until the store answers).
 */
public enum FailureCode {
  /** The record value is not JSON. */
  MALFORMED_JSON("malformed_json", true),
  /** JSON, but not a valid job request (missing/ill-typed fields, wrong schema version). */
  SCHEMA_VIOLATION("schema_violation", true),
  /** The source object does not exist (or its bucket does not). */
  OBJECT_MISSING("object_missing", true),
  /** The source object has zero bytes. */
  IMAGE_EMPTY("image_empty", true),
  /** The bytes are no image format we know. */
  NOT_AN_IMAGE("not_an_image", true),
  /** A known format, but the data ends early. */
  IMAGE_TRUNCATED("image_truncated", true),
  /** Over cutflow.image.max-pixels or cutflow.image.max-bytes. */
  IMAGE_TOO_LARGE("image_too_large", true),
  /** A recognised format we cannot decode (e.g. animated, CMYK variant without support). */
  UNSUPPORTED_FORMAT("unsupported_format", true),
  /** A known format whose data is corrupt. */
  IMAGE_CORRUPT("image_corrupt", true),
  /** The model run failed; may be resource pressure, so retried. */
  INFERENCE_FAILED("inference_failed", false),
  /** The job names a model this worker does not serve (a deployment problem, not bad input). */
  MODEL_UNAVAILABLE("model_unavailable", false),
  /** Object storage could not be read or written after retries. */
  STORAGE_FAILED("storage_failed", false),
  /** A bug or an unexpected condition; retried. */
  INTERNAL_ERROR("internal_error", false),
  /**
   * The record was in flight in more worker processes that crashed (OOM kill, native crash,
   * SIGKILL) than {@code cutflow.worker.crash-retries} allows: failed without being run again.
   */
  WORKER_CRASHED("worker_crashed", true);

  private final String code;
  private final boolean permanent;

  FailureCode(String code, boolean permanent) {
    this.code = code;
    this.permanent = permanent;
  }

  /** The wire value, e.g. {@code "object_missing"}. */
  @JsonValue
  public String code() {
    return code;
  }

  /**
   * True when retrying the same record cannot succeed: such records go to the dead-letter topic.
   */
  public boolean isPermanent() {
    return permanent;
  }

  /** The constant for a wire value, if there is one. */
  public static Optional<FailureCode> fromCode(String code) {
    return Arrays.stream(values()).filter(c -> c.code.equals(code)).findFirst();
  }

  /** The constant for a wire value; IllegalArgumentException for an unknown one. */
  @JsonCreator
  public static FailureCode ofCode(String code) {
    return fromCode(code)
        .orElseThrow(() -> new IllegalArgumentException("unknown failure code: " + code));
  }

  @Override
  public String toString() {
    return code;
  }
}
