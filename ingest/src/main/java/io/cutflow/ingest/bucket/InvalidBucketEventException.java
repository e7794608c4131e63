package io.cutflow.ingest.bucket;

/** A bucket-events record that is not an S3 event notification; the message says what is wrong. */
public final class InvalidBucketEventException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean notJson;

  /** JSON, but not the shape of an event notification. */
  public InvalidBucketEventException(String message) {
    this(message, null, false);
  }

  public InvalidBucketEventException(String message, Throwable cause, boolean notJson) {
    super(message, cause);
    this.notJson = notJson;
  }

  /** Whether the record was not JSON at all (malformed_json) rather than the wrong shape. */
  public boolean notJson() {
    return notJson;
  }
}
