package io.cutflow.standalone.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The HTTP calls an end-to-end test makes to an ingest server: GETs and multipart POSTs, with or
 * without its API key. The base URL is read at each call (a restarted server has a new port).
 */
public final class IngestHttp {
  /** One file of a multipart upload. */
  public record Part(String field, String fileName, byte[] bytes) {}

  public static Part part(String field, String fileName, byte[] bytes) {
    return new Part(field, fileName, bytes);
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Supplier<String> base;
  private final String apiKey;

  public IngestHttp(Supplier<String> base, String apiKey) {
    this.base = base;
    this.apiKey = apiKey;
  }

  /** A multipart POST of {@code fields} then {@code parts}. */
  public HttpRequest post(
      String path, boolean withKey, List<Part> parts, Map<String, String> fields) {
    String boundary = "cutflow-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      body.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\""
                  + f.getKey()
                  + "\"\r\n\r\n"
                  + f.getValue()
                  + "\r\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    for (Part p : parts) {
      body.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\""
                  + p.field()
                  + "\"; filename=\""
                  + p.fileName()
                  + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      body.writeBytes(p.bytes());
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base.get() + path))
            .timeout(Duration.ofSeconds(180))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    return withKey(b, withKey).build();
  }

  public HttpRequest getRequest(String path, boolean withKey) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base.get() + path)).timeout(Duration.ofSeconds(30)).GET();
    return withKey(b, withKey).build();
  }

  public HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<byte[]> sendBytes(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  public HttpResponse<byte[]> get(String path, boolean withKey) throws Exception {
    return sendBytes(getRequest(path, withKey));
  }

  public HttpResponse<String> getString(String path, boolean withKey) throws Exception {
    return send(getRequest(path, withKey));
  }

  /**
   * Asks {@code GET /v1/jobs/{id}} every 100 ms until the job's status is {@code wanted}; its
   * status then.
   *
   * @throws AssertionError naming the last answer when it was not within {@code timeout}
   */
  public JsonNode awaitStatus(String id, String wanted, boolean withKey, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = getString("/v1/jobs/" + id, withKey);
      last = r.statusCode() + " " + r.body();
      if (r.statusCode() == 200) {
        JsonNode status = JSON.readTree(r.body());
        if (wanted.equals(status.path("status").asText())) {
          return status;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("job " + id + " not " + wanted + " in " + timeout + ": " + last);
  }

  private HttpRequest.Builder withKey(HttpRequest.Builder b, boolean withKey) {
    return withKey ? b.header("X-API-Key", apiKey) : b;
  }
}
