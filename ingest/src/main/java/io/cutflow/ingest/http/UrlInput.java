package io.cutflow.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.job.CutoutOption;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.InvalidOptionException;
import io.cutflow.ingest.fetch.UrlFetchException;
import io.cutflow.ingest.fetch.UrlFetcher;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Images by URL: {@code GET /api/remove?url=} and {@code POST /v1/jobs} with a JSON body {@code
 * {"url": ...}}. The ingest side fetches the image ({@link UrlFetcher}: SSRF rules, size limit,
 * timeout), sniffs it like an upload, and from there it is an upload like any other: stored in the
 * raw bucket and queued. Each refusal is 400 with the rule's code and a message naming the reason.
 */
final class UrlInput {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every option read over HTTP ({@link CutoutParams}'s). */
  private static final List<CutoutOption> HTTP_OPTIONS =
      Stream.concat(CutoutOptions.OPTIONS.stream(), CutoutOptions.IGNORED_OVER_HTTP.stream())
          .toList();

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
   * The body {@code {"url": "https://...", "model": "...", ...}} (read by {@link Uploads#readAll}):
   * options as JSON fields under their HTTP names, else as query parameters. A field is handed to
   * {@link CutoutParams} as the text its query parameter would be ({@link #optionText}), so the
   * values and messages are the same.
   */
  static JsonJob parse(byte[] bytes, Function<String, String> queryParam) {
    JsonNode body;
    try {
      body = JSON.readTree(bytes);
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
    Map<String, String> fields = new HashMap<>();
    for (CutoutOption o : HTTP_OPTIONS) {
      for (String name : o.httpNames()) {
        JsonNode v = body.get(name);
        if (v != null && !v.isNull()) {
          fields.put(name, optionText(o, name, v));
        }
      }
    }
    return new JsonJob(
        url.asText(), name -> fields.containsKey(name) ? fields.get(name) : queryParam.apply(name));
  }

  /**
   * The JSON field {@code name} of option {@code o} as the text of its query parameter: a string,
   * number or boolean as its text; a colour's array {@code [R,G,B,A]} as {@code R,G,B,A} (as a
   * Kafka job's {@code bgcolor}, {@link CutoutOption#check}); {@code extras} given as a JSON object
   * (or anything else) as its JSON text, for the extras parser to judge. Any other array or object
   * is 400 {@code invalid_parameter} naming the field and what it takes, never ignored.
   */
  private static String optionText(CutoutOption o, String name, JsonNode v) {
    if (v.isValueNode()) {
      return v.asText();
    }
    if (o.kind() == CutoutOption.Kind.JSON) {
      return v.toString();
    }
    if (o.kind() == CutoutOption.Kind.COLOUR && v.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode part : v) {
        parts.add(part.isValueNode() ? part.asText() : part.toString());
      }
      return String.join(",", parts);
    }
    throw ApiError.badRequest(
        "invalid_parameter",
        new InvalidOptionException(
                name,
                "expected "
                    + accepted(o.kind())
                    + ", got a JSON "
                    + (v.isArray() ? "array" : "object"))
            .getMessage());
  }

  /** What a JSON field of this kind may be, for the message refusing another. */
  private static String accepted(CutoutOption.Kind kind) {
    return switch (kind) {
      case BOOLEAN -> "a boolean (true/false, or a string such as \"true\")";
      case INTEGER -> "an integer (a number or a string)";
      case COLOUR -> "the colour as [R,G,B,A] or \"R,G,B,A\" (each 0..255)";
      case TEXT -> "a string";
      case ANY, JSON -> "a string, number or boolean";
    };
  }
}
