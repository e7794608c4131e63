package io.cutflow.common.store;

import io.cutflow.common.job.FailureCode;

/** The object (or its bucket) does not exist. Never retried; maps to {@code object_missing}. */
public final class ObjectMissingException extends ObjectStoreException {
  private static final long serialVersionUID = 1L;

  private final String bucket;
  private final String key;

  public ObjectMissingException(String bucket, String key, Throwable cause) {
    super(
        S3Failures.isMissingBucket(cause)
            ? "no such bucket: " + bucket + " (for s3://" + bucket + "/" + key + ")"
            : "no such object: s3://" + bucket + "/" + key,
        cause);
    this.bucket = bucket;
    this.key = key;
  }

  public String bucket() {
    return bucket;
  }

  public String key() {
    return key;
  }

  @Override
  public FailureCode failureCode() {
    return FailureCode.OBJECT_MISSING;
  }
}
