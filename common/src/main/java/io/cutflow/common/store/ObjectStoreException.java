package io.cutflow.common.store;

import io.cutflow.common.job.FailureCode;

/**
 * An object-store call failed (after retries, when the failure was transient). Maps to {@code
 * storage_failed}.
 */
public class ObjectStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ObjectStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The job failure code this exception stands for. */
  public FailureCode failureCode() {
    return FailureCode.STORAGE_FAILED;
  }
}
