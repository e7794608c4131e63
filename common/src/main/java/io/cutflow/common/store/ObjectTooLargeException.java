package io.cutflow.common.store;

import io.cutflow.common.job.FailureCode;

/**
 * The object is larger than the caller's limit; nothing beyond the limit was read. Maps to {@code
 * image_too_large}.
 */
public final class ObjectTooLargeException extends ObjectStoreException {
  private static final long serialVersionUID = 1L;

  private final long limit;

  public ObjectTooLargeException(String bucket, String key, long limit, long size) {
    super(
        "object s3://"
            + bucket
            + "/"
            + key
            + " is "
            + (size >= 0 ? size + " bytes" : "larger than the limit")
            + ", over the limit of "
            + limit
            + " bytes",
        null);
    this.limit = limit;
  }

  public long limit() {
    return limit;
  }

  @Override
  public FailureCode failureCode() {
    return FailureCode.IMAGE_TOO_LARGE;
  }
}
