package io.cutflow.common.store;

/**
 * The object store did not answer through all of the call's attempts: I/O errors (connection
 * refused or reset), HTTP 5xx or throttling every time. Unlike its parent, which also stands for a
 * store that answered with a refusal, this says nothing about the object or the bucket: a caller
 * that can wait (a worker starting) may try again later. Maps to {@code storage_failed}.
 */
public final class ObjectStoreUnavailableException extends ObjectStoreException {
  private static final long serialVersionUID = 1L;

  public ObjectStoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
