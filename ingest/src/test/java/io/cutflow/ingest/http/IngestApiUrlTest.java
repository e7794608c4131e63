package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.cutflow.common.job.JobRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Images by URL through the real API: {@code GET /api/remove?url=} and {@code POST /v1/jobs} with
 * {@code {"url": ...}}. The fetch rules themselves are {@code UrlFetcherTest}'s; here: a refusal is
 * a 400 naming its reason with nothing stored or queued, and an allowed URL (the host {@code
 * localhost} is allow-listed, {@code 127.0.0.1} is not) becomes an ordinary job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestApiUrlTest {
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private InProcessApi api;
  private HttpServer images;
  private final java.util.concurrent.atomic.AtomicInteger fetched =
      new java.util.concurrent.atomic.AtomicInteger();

  @BeforeAll
  void start() throws IOException {
    api =
        new InProcessApi(
            new IngestApi.Settings(
                1 << 20,
                4,
                "",
                Duration.ofSeconds(120),
                4,
                64,
                0,
                16_384,
                "",
                Set.of("localhost"),
                Duration.ofSeconds(30)));
    images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    images.createContext(
        "/photo.png",
        ex -> {
          fetched.incrementAndGet();
          ex.getResponseHeaders().add("Content-Type", "image/png");
          ex.sendResponseHeaders(200, InProcessApi.PNG.length);
          ex.getResponseBody().write(InProcessApi.PNG);
          ex.close();
        });
    images.createContext(
        "/page.html",
        ex -> {
          byte[] html = "<html><body>hi</body></html>".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, html.length);
          ex.getResponseBody().write(html);
          ex.close();
        });
    images.start();
  }

  @AfterAll
  void stop() {
    images.stop(0);
    api.close();
  }

  private String image(String path) {
    return "http://localhost:" + images.getAddress().getPort() + path;
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url(pathAndQuery))).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postJson(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url("/v1/jobs")))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String q(String url) {
    return URLEncoder.encode(url, StandardCharsets.UTF_8);
  }

  private JsonNode error(HttpResponse<String> r, int status, String code) throws IOException {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode body = json.readTree(r.body());
    assertEquals(code, body.get("error").asText(), r.body());
    return body;
  }

  @Test
  void theApiFetchingItsOwnHealthzByLoopbackIs400NamingLoopback() throws Exception {
    int stored = api.stored.get();
    int published = api.published().size();
    String healthz = api.url("/healthz");
    JsonNode body = error(get("/api/remove?url=" + q(healthz)), 400, "url_address_not_allowed");
    assertTrue(body.get("message").asText().contains("loopback"), body.toString());
    assertEquals(healthz, body.get("url").asText());
    assertEquals(stored, api.stored.get(), "nothing stored");
    assertEquals(published, api.published().size(), "nothing queued");
  }

  @Test
  void getRemoveByUrlQueuesTheFetchedImageAndAnswersWithItsCutout() throws Exception {
    int before = api.published().size();
    CompletableFuture<HttpResponse<byte[]>> call =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(api.url("/api/remove?om=true&url=" + q(image("/photo.png")))))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    await("the job queued", () -> api.published().size() > before);
    JobRequest job = api.published().get(before);
    assertEquals(image("/photo.png"), job.attributes().get("source_url"));
    assertEquals("photo.png", job.attributes().get("file_name"));
    assertTrue(job.options().onlyMask(), "query options apply");
    api.finish(job);
    HttpResponse<byte[]> r = call.get();
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    assertArrayEquals(InProcessApi.PNG, r.body());
    assertEquals(job.jobId(), r.headers().firstValue("X-Cutflow-Job-Id").orElse(""));
  }

  @Test
  void aBadOptionIsRefusedBeforeTheImageIsFetched() throws Exception {
    int before = fetched.get();
    error(get("/api/remove?om=perhaps&url=" + q(image("/photo.png"))), 400, "invalid_parameter");
    error(
        postJson("{\"url\": \"" + image("/photo.png") + "\", \"bgc\": \"1,2\"}"),
        400,
        "invalid_parameter");
    assertEquals(before, fetched.get(), "nothing fetched");
  }

  @Test
  void getRemoveWithoutUrlStillSaysToPost() throws Exception {
    HttpResponse<String> r = get("/api/remove");
    JsonNode body = error(r, 405, "method_not_allowed");
    assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
    assertTrue(body.get("message").asText().contains("?url="), body.toString());
  }

  @Test
  void postJobsWithAJsonUrlQueuesOneJob() throws Exception {
    int stored = api.stored.get();
    int before = api.published().size();
    HttpResponse<String> r =
        postJson("{\"url\": \"" + image("/photo.png") + "\", \"om\": true, \"model\": \"u2netp\"}");
    assertEquals(202, r.statusCode(), r.body());
    JsonNode job = json.readTree(r.body()).get("jobs").get(0);
    assertEquals(image("/photo.png"), job.get("source_url").asText());
    assertEquals("image/png", job.get("content_type").asText());
    assertEquals(InProcessApi.PNG.length, job.get("size_bytes").asInt());
    assertEquals(stored + 1, api.stored.get());
    JobRequest published = api.published().get(before);
    assertEquals(job.get("job_id").asText(), published.jobId());
    assertEquals(image("/photo.png"), published.attributes().get("source_url"));
    assertTrue(published.options().onlyMask(), "options from the JSON body apply");
    assertEquals("u2netp", published.options().model());
  }

  @Test
  void badUrlsInAJsonBodyAre400WithNothingQueued() throws Exception {
    int stored = api.stored.get();
    int published = api.published().size();
    error(postJson("{\"url\": \"file:///etc/passwd\"}"), 400, "url_scheme_not_allowed");
    JsonNode body =
        error(
            postJson("{\"url\": \"http://169.254.169.254/latest/meta-data/\"}"),
            400,
            "url_address_not_allowed");
    assertTrue(body.get("message").asText().contains("cloud metadata"), body.toString());
    error(postJson("{\"uri\": \"http://example.test/a.png\"}"), 400, "multipart_required");
    error(postJson("{\"url\": 42}"), 400, "missing_url");
    error(postJson("{\"url\": "), 400, "malformed_json");
    error(postJson("{\"url\": \"" + image("/page.html") + "\"}"), 415, "unsupported_media_type");
    error(
        postJson("{\"url\": \"" + image("/photo.png") + "\", \"om\": \"perhaps\"}"),
        400,
        "invalid_parameter");
    assertEquals(stored, api.stored.get(), "nothing stored");
    assertEquals(published, api.published().size(), "nothing queued");
  }

  @Test
  void jsonOptionsAsAColourArrayAndAnExtrasObjectApply() throws Exception {
    int before = api.published().size();
    HttpResponse<String> r =
        postJson("{\"url\": \"" + image("/photo.png") + "\", \"bgc\": [255, 0, 0, 255]}");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(
        List.of(255, 0, 0, 255),
        api.published().get(before).options().bgcolor(),
        "the colour array applies as \"255,0,0,255\" would");
    r =
        postJson(
            "{\"url\": \""
                + image("/photo.png")
                + "\", \"model\": \"sam\", \"extras\": {\"sam_prompt\": [{\"type\":"
                + " \"point\", \"data\": [1, 2], \"label\": 1}]}}");
    assertEquals(202, r.statusCode(), r.body());
    JobRequest sam = api.published().get(before + 1);
    assertEquals("sam", sam.options().model());
    assertEquals(1, sam.options().samPrompt().size(), "the extras object is the prompt");
  }

  @Test
  void jsonOptionsOfAShapeTheyDoNotTakeAre400NamingThemWithNothingFetched() throws Exception {
    int fetches = fetched.get();
    int published = api.published().size();
    String url = "\"url\": \"" + image("/photo.png") + "\"";
    JsonNode om = error(postJson("{" + url + ", \"om\": {\"x\": 1}}"), 400, "invalid_parameter");
    assertTrue(om.get("message").asText().startsWith("om: expected a boolean"), om.toString());
    JsonNode bgc =
        error(postJson("{" + url + ", \"bgc\": {\"r\": 255}}"), 400, "invalid_parameter");
    assertTrue(bgc.get("message").asText().contains("[R,G,B,A]"), bgc.toString());
    JsonNode model =
        error(postJson("{" + url + ", \"model\": [\"u2netp\"]}"), 400, "invalid_parameter");
    assertTrue(model.get("message").asText().startsWith("model: "), model.toString());
    assertEquals(fetches, fetched.get(), "nothing fetched");
    assertEquals(published, api.published().size(), "nothing queued");
  }

  @Test
  void aChunkedJsonBodyOverTheLimitIs413AndOneUnderItIsRead() throws Exception {
    // the limit is 1 MiB: spaces past it, then a URL that would be refused if the body were parsed
    byte[] tail =
        "{\"url\": \"http://169.254.169.254/latest/meta-data/\"}".getBytes(StandardCharsets.UTF_8);
    JsonNode body = error(postChunked(tail, (1 << 20) + 64 * 1024), 413, "payload_too_large");
    assertTrue(
        body.get("message").asText().contains("cutflow.ingest.max-upload-bytes"), body.toString());
    // the same with a Content-Length: refused unread, as before
    byte[] whole = new byte[(1 << 20) + 64 * 1024 + tail.length];
    java.util.Arrays.fill(whole, (byte) ' ');
    System.arraycopy(tail, 0, whole, whole.length - tail.length, tail.length);
    error(
        http.send(
            HttpRequest.newBuilder(URI.create(api.url("/v1/jobs")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(whole))
                .build(),
            HttpResponse.BodyHandlers.ofString()),
        413,
        "payload_too_large");
    // a chunked body under the limit is read and parsed
    error(postChunked(tail, 1000), 400, "url_address_not_allowed");
  }

  /** {@code spaces} spaces and {@code tail}, sent chunked (no Content-Length). */
  private HttpResponse<String> postChunked(byte[] tail, int spaces) throws Exception {
    byte[] pad = new byte[spaces];
    java.util.Arrays.fill(pad, (byte) ' ');
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url("/v1/jobs")))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () ->
                        new java.io.SequenceInputStream(
                            new java.io.ByteArrayInputStream(pad),
                            new java.io.ByteArrayInputStream(tail))))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
