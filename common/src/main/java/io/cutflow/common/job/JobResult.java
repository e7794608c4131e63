package io.cutflow.common.job;

import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of one attempt at a job: wire form {@code cutflow.job-result/v1}, see {@code
 * schemas/job-result.v1.schema.json}. Field names on the wire are snake_case.
 *
 * @param failure present iff {@code status == FAILED}
 * @param output present when {@code status == OK}
 * @param image decoded size, when decoding got that far
 * @param attempt 1 for the first delivery; null when unknown
 * @param notes what the worker did differently from what was asked, and why (e.g. alpha matting
 *     fell back to the plain cutout); null when nothing
 */
public record JobResult(
    String schema,
    String jobId,
    Status status,
    Failure failure,
    JobRequest.Source source,
    StoredObject output,
    Image image,
    String model,
    String workerId,
    Integer attempt,
    Timings timingsMs,
    Instant submittedAt,
    Instant startedAt,
    Instant finishedAt,
    java.util.List<String> notes) {

  public static final String SCHEMA = "cutflow.job-result/v1";

  public JobResult {
    schema = schema == null ? SCHEMA : schema;
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(status, "status");
    timingsMs = timingsMs == null ? Timings.NONE : timingsMs;
    notes = notes == null || notes.isEmpty() ? null : java.util.List.copyOf(notes);
  }

  /** The same result with {@code notes} (none: unchanged). */
  public JobResult withNotes(java.util.List<String> notes) {
    return new JobResult(
        schema,
        jobId,
        status,
        failure,
        source,
        output,
        image,
        model,
        workerId,
        attempt,
        timingsMs,
        submittedAt,
        startedAt,
        finishedAt,
        notes);
  }

  /** A successful result. */
  public static JobResult ok(
      JobRequest request,
      StoredObject output,
      Image image,
      String model,
      String workerId,
      Integer attempt,
      Timings timings,
      Instant startedAt,
      Instant finishedAt) {
    return new JobResult(
        SCHEMA,
        request.jobId(),
        Status.OK,
        null,
        request.source(),
        output,
        image,
        model,
        workerId,
        attempt,
        timings,
        request.submittedAt(),
        startedAt,
        finishedAt,
        null);
  }

  /** A failed result for a request that could be parsed. */
  public static JobResult failed(
      JobRequest request,
      FailureCode code,
      String message,
      Image image,
      String model,
      String workerId,
      Integer attempt,
      Timings timings,
      Instant startedAt,
      Instant finishedAt) {
    return new JobResult(
        SCHEMA,
        request.jobId(),
        Status.FAILED,
        new Failure(code, message),
        request.source(),
        null,
        image,
        model,
        workerId,
        attempt,
        timings,
        request.submittedAt(),
        startedAt,
        finishedAt,
        null);
  }

  public boolean isOk() {
    return status == Status.OK;
  }

  public enum Status {
    OK("ok"),
    FAILED("failed");

    private final String wire;

    Status(String wire) {
      this.wire = wire;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String wire() {
      return wire;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static Status fromWire(String s) {
      for (Status v : values()) {
        if (v.wire.equals(s)) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown status: " + s);
    }
  }

  /**
   * Why it failed; {@code code} serialises as its wire string, e.g. {@code "object_missing"}. The
   * message is cut to {@link DeadLetter#MAX_MESSAGE_CHARS}, so that a result always fits a Kafka
   * record.
   */
  public record Failure(FailureCode code, String message) {
    public Failure {
      Objects.requireNonNull(code, "code");
      message = message == null ? "" : LongText.start(message, DeadLetter.MAX_MESSAGE_CHARS);
    }
  }

  /** The written cutout. */
  public record StoredObject(String bucket, String key, long sizeBytes) {}

  /** Decoded image size (after EXIF orientation). */
  public record Image(int width, int height) {}

  /** Milliseconds per stage; 0 for a stage that did not run ({@code matting}: only with -a). */
  public record Timings(
      long download,
      long decode,
      long preprocess,
      long inference,
      long postprocess,
      long matting,
      long encode,
      long upload,
      long total) {
    public static final Timings NONE = new Timings(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Without alpha matting. */
    public Timings(
        long download,
        long decode,
        long preprocess,
        long inference,
        long postprocess,
        long encode,
        long upload,
        long total) {
      this(download, decode, preprocess, inference, postprocess, 0, encode, upload, total);
    }
  }
}
