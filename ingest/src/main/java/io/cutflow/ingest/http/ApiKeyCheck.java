package io.cutflow.ingest.http;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may call a secured route: with {@code cutflow.ingest.api-key} set, a request must carry it as
 * {@code X-API-Key} or {@code Authorization: Bearer}, compared in constant time; else a 401 that
 * says how to send it.
 */
final class ApiKeyCheck {
  private final String key;

  /** {@code key} empty or null: every request passes. */
  ApiKeyCheck(String key) {
    this.key = key == null ? "" : key;
  }

  /**
   * @throws ApiError 401 without the key, or with another one
   */
  void check(Context ctx) {
    if (key.isEmpty()) {
      return;
    }
    String given = ctx.header("X-API-Key");
    String auth = ctx.header("Authorization");
    if (given == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = auth.substring(7).trim();
    }
    if (given == null
        || !MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiError(
          401,
          "unauthorized",
          given == null
              ? "an API key is required: send it as X-API-Key or Authorization: Bearer"
              : "wrong API key");
    }
  }
}
