package io.cutflow.ingest.http;

import io.cutflow.common.store.ObjectStoreException;
import io.cutflow.ingest.status.JobStatusService;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.util.Map;
import org.eclipse.jetty.http.BadMessageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Any failure as the API's JSON error: handlers throw {@link ApiError}; everything else (the status
 * store not ready, the object store down, Jetty rejecting a malformed request, a bug) is mapped
 * here, so that no path answers with a stack trace or an HTML page.
 */
final class Errors {
  private static final Logger log = LoggerFactory.getLogger(IngestApi.class);

  /** What a client should wait before retrying when a dependency is down, in seconds. */
  static final long DEPENDENCY_RETRY_AFTER_S = 5;

  private Errors() {}

  /** The error to answer for {@code e}; logs the ones that are the server's fault. */
  static ApiError of(Throwable e, String method, String path) {
    if (e instanceof ApiError api) {
      return api;
    }
    if (e instanceof JobStatusService.NotReadyException) {
      return new ApiError(503, "not_ready", e.getMessage(), Map.of(), DEPENDENCY_RETRY_AFTER_S);
    }
    if (e instanceof ObjectStoreException) {
      // ObjectStore has logged its retries and the final failure
      return new ApiError(
          503,
          "storage_unavailable",
          "the object store did not take the request: " + e.getMessage(),
          Map.of("dependency", "object_store"), // as the breaker's refusals that follow it
          DEPENDENCY_RETRY_AFTER_S);
    }
    if (e instanceof BadMessageException bad) {
      int status = bad.getCode() >= 400 && bad.getCode() < 500 ? bad.getCode() : 400;
      return new ApiError(status, codeFor(status), messageFor(status, bad.getReason()));
    }
    if (e instanceof HttpResponseException http) {
      int status = http.getStatus();
      return new ApiError(status, codeFor(status), messageFor(status, http.getMessage()));
    }
    log.atError()
        .setMessage("unhandled error answering a request")
        .addKeyValue("method", method)
        .addKeyValue("path", path)
        .setCause(e)
        .log();
    return new ApiError(500, "internal_error", e.toString());
  }

  /** The {@code error} code for a status the server itself (Jetty or Javalin) refused with. */
  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 408 -> "request_timeout";
      case 413 -> "payload_too_large";
      case 414 -> "uri_too_long";
      case 415 -> "unsupported_media_type";
      case 431 -> "headers_too_large";
      case 501 -> "not_implemented";
      case 503 -> "unavailable";
      case 505 -> "http_version_not_supported";
      default -> status >= 500 ? "internal_error" : "bad_request";
    };
  }

  /** What went wrong and what to change, for a request refused before any endpoint saw it. */
  static String messageFor(int status, String reason) {
    String what =
        reason == null || reason.isBlank() ? HttpStatus.forStatus(status).getMessage() : reason;
    String fix =
        switch (status) {
          case 400 ->
              "the request line, URI or headers could not be parsed; check the path's"
                  + " percent-encoding (no %00, no malformed escapes)";
          case 413 -> "the request body is too large";
          case 414 ->
              "the URI exceeds the server's 8 KiB request-header limit; job ids are at most "
                  + JobIds.MAX_LENGTH
                  + " characters";
          case 431 -> "the request headers exceed the server's 8 KiB limit";
          default -> "";
        };
    return fix.isEmpty() ? what : what + ": " + fix;
  }
}
