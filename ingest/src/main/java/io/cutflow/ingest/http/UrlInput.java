package io.cutflow.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.ingest.fetch.UrlFetchException;
import io.cutflow.ingest.fetch.UrlFetcher;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import java.util.function.Function;

/**
 * Images by URL: {@code GET /api/remove?url=} and {@code POST /v1/jobs} with a JSON body {@code
 * {"url": ...}}. The ingest side fetches the image ({@link UrlFetcher}: SSRF rules, size limit,
 * timeout), sniffs it like an upload, and from there it is an upload like any other: stored in the
 * raw bucket and queued. Each refusal is 400 with the rule's code and a message naming the reason.
 */
final class UrlInput {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A fetched image, and the URL it was asked for. */
  record Fetched(Uploads.Upload upload, String url) {}

  /** A JSON job body: its URL and a parameter lookup (body field, else query parameter). */
  record JsonJob(String url, Function<String, String> param) {}

  private final UrlFetcher fetcher;

  UrlInput(UrlFetcher fetcher) {
    this.fetcher = fetcher;
  }

  /** Fetches and sniffs {@code url}. */
  Fetched fetch(String url) {
    if (url == null || url.isBlank()) {
      throw ApiError.badRequest("missing_url", "give the image's http(s) URL in 'url'");
    }
    UrlFetcher.Fetched fetched;
    try {
      fetched = fetcher.fetch(url);
    } catch (UrlFetchException e) {
      throw new ApiError(400, e.code(), e.getMessage(), Map.of("url", url));
    }
    return new Fetched(Uploads.accept(fetched.fileName(), fetched.bytes()), url);
  }

  /** Whether the request carries a JSON body (a job by URL) rather than multipart uploads. */
  static boolean isJson(Context ctx) {
    String type = ctx.contentType();
    return type != null && type.toLowerCase().startsWith("application/json");
  }

  /**
   * The body {@code {"url": "https://...", "model": "...", ...}}: options as JSON fields under
   * their HTTP names (strings, numbers or booleans), else as query parameters.
   */
  static JsonJob parse(Context ctx) {
    JsonNode body;
    try {
      body = JSON.readTree(ctx.bodyAsBytes());
    } catch (IOException e) {
      throw ApiError.badRequest(
          "malformed_json", "the request body is not valid JSON: " + e.getMessage());
    }
    if (body == null || !body.isObject()) {
      throw ApiError.badRequest(
          "malformed_json", "send a JSON object, e.g. {\"url\": \"https://example.com/a.jpg\"}");
    }
    JsonNode url = body.get("url");
    if (url == null) {
      // not a job by URL: the same answer as any other non-multipart body
      throw ApiError.badRequest(
          "multipart_required",
          "send images as multipart/form-data file parts (e.g. curl -F file=@photo.jpg), or one"
              + " image by URL as the JSON body {\"url\": \"https://...\"}; this JSON body has"
              + " no 'url'");
    }
    if (!url.isTextual() || url.asText().isBlank()) {
      throw ApiError.badRequest(
          "missing_url",
          "'url' must be the image's http(s) URL as a string, e.g. {\"url\":"
              + " \"https://example.com/a.jpg\"}");
    }
    Function<String, String> param =
        name -> {
          JsonNode v = body.get(name);
          if (v != null && v.isValueNode() && !v.isNull()) {
            return v.asText();
          }
          return ctx.queryParam(name);
        };
    return new JsonJob(url.asText(), param);
  }
}
