package io.cutflow.ingest.bucket;

/** A bucket-events record that is not an S3 event notification; the message says what is wrong. */
public final class InvalidBucketEventException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidBucketEventException(String message) {
    super(message);
  }

  public InvalidBucketEventException(String message, Throwable cause) {
    super(message, cause);
  }
}
