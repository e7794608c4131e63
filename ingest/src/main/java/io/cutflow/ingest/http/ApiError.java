package io.cutflow.ingest.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answered as {@code {"error": code, "message": ...}} (plus optional extra fields) with an
 * HTTP status, and a {@code Retry-After} header when the client should come back later. Thrown by
 * handlers; rendered by {@link IngestApi}'s exception mapper.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final Map<String, Object> extra;
  private final long retryAfterSeconds;

  public ApiError(int status, String code, String message) {
    this(status, code, message, Map.of());
  }

  public ApiError(int status, String code, String message, Map<String, Object> extra) {
    this(status, code, message, extra, 0);
  }

  /**
   * @param retryAfterSeconds sent as {@code Retry-After}; 0 = no header
   */
  public ApiError(
      int status, String code, String message, Map<String, Object> extra, long retryAfterSeconds) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Seconds for the {@code Retry-After} header; 0 = none. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The JSON body. */
  public Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", getMessage());
    body.putAll(extra);
    return body;
  }
}
