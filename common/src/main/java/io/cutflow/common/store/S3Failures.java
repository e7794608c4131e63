package io.cutflow.common.store;

import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import java.io.IOException;
import java.util.Set;

/**
 * What an S3 client's exception means for {@link ObjectStore}: missing, worth retrying, or neither.
 */
final class S3Failures {
  private static final Set<String> MISSING_CODES =
      Set.of("NoSuchKey", "NoSuchBucket", "NoSuchObject", "NotFound", "ResourceNotFound");
  private static final Set<String> TRANSIENT_CODES =
      Set.of(
          "InternalError",
          "ServiceUnavailable",
          "SlowDown",
          "RequestTimeout",
          "RequestTimeTooSkewed",
          "OperationAborted");

  private S3Failures() {}

  /** No such object or bucket. */
  static boolean isMissing(Exception e) {
    if (e instanceof ErrorResponseException ere) {
      String code = ere.errorResponse() == null ? null : ere.errorResponse().code();
      if (code != null && MISSING_CODES.contains(code)) {
        return true;
      }
      return ere.response() != null && ere.response().code() == 404;
    }
    return false;
  }

  /** The server said the bucket itself does not exist. */
  static boolean isMissingBucket(Throwable e) {
    return e instanceof ErrorResponseException ere
        && ere.errorResponse() != null
        && "NoSuchBucket".equals(ere.errorResponse().code());
  }

  /** I/O errors (connection refused or reset), HTTP 5xx and throttling: worth another attempt. */
  static boolean isTransient(Exception e) {
    if (e instanceof ErrorResponseException ere) {
      String code = ere.errorResponse() == null ? null : ere.errorResponse().code();
      if (code != null && TRANSIENT_CODES.contains(code)) {
        return true;
      }
      return ere.response() != null && ere.response().code() >= 500;
    }
    return e instanceof ServerException
        || e instanceof IOException
        || e instanceof InsufficientDataException
        || e instanceof InvalidResponseException;
  }

  /** The S3 error code and message, else the exception's class and message. */
  static String describe(Exception e) {
    if (e instanceof ErrorResponseException ere && ere.errorResponse() != null) {
      return ere.errorResponse().code() + " (" + ere.errorResponse().message() + ")";
    }
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
