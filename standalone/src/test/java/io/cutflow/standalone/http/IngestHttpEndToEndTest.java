package io.cutflow.standalone.http;

import static io.cutflow.standalone.infra.IngestHttp.part;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestHttp;
import io.cutflow.standalone.infra.IngestUnderTest;
import io.cutflow.standalone.infra.TestPhotos;
import io.cutflow.standalone.infra.WorkerUnderTest;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.RemoverFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The ingest HTTP API over real HTTP on the embedded stack: a real KRaft broker, a real S3 server
 * (S3Proxy) and a real worker process (ONNX model), with the ingest server in this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestHttpEndToEndTest {
  private static final String KEY = "e2e-secret";
  private static final long MAX_UPLOAD = 2L * 1024 * 1024;
  private static final Duration RESULT_WAIT = Duration.ofSeconds(90);

  /** The shared photo whose /api/remove latency the test prints; null without the shared photos. */
  private static final Path PHOTO = photo("anime-girl-1.jpg");

  private final ObjectMapper json = new ObjectMapper();
  private final IngestHttp client = new IngestHttp(() -> this.base, KEY);
  private EmbeddedStack stack;
  private JavaProcess worker;
  private IngestServer server;
  private CutflowConfig config;
  private String base;

  private byte[] shapePng;
  private String doneJobId;
  private String failedJobId;

  @BeforeAll
  void start() throws Exception {
    stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", "2")));
    worker = WorkerUnderTest.start(stack, "e2e-worker");
    // links come from the configured public URL, never from the request: name this server's own
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    config =
        IngestUnderTest.config(
            stack,
            "e2e-status",
            Map.of(
                "cutflow.ingest.api-key",
                KEY,
                "cutflow.ingest.max-upload-bytes",
                String.valueOf(MAX_UPLOAD),
                "cutflow.ingest.public-url",
                "http://127.0.0.1:" + port,
                // images by URL: the test's image server is reached as localhost only
                "cutflow.ingest.url-fetch.allow-hosts",
                "localhost"));
    server = IngestServer.start(config, port, new MetricRegistry());
    assertTrue(server.awaitReady(Duration.ofSeconds(60)), "status store ready");
    base = server.url();
    shapePng = ShapeImage.png(320, 240);
  }

  @AfterAll
  void stop() throws Exception {
    WorkerUnderTest.closeAll(server, worker, stack);
  }

  // ---------------------------------------------------------------- the happy paths

  @Test
  @Order(1)
  void healthReadinessAndMetricsAreOpen() throws Exception {
    assertEquals(200, client.get("/healthz", false).statusCode());
    HttpResponse<String> ready = client.getString("/readyz", false);
    assertEquals(200, ready.statusCode(), ready.body());
    assertEquals("ready", json.readTree(ready.body()).get("status").asText());
    assertEquals(200, client.get("/metrics", false).statusCode());
  }

  @Test
  @Order(2)
  void submitThenStatusThenCutout() throws Exception {
    HttpResponse<String> r =
        client.send(
            client.post(
                "/v1/jobs",
                true,
                List.of(part("file", "shape.png", shapePng), part("file", "shape2.png", shapePng)),
                Map.of("om", "false")));
    assertEquals(202, r.statusCode(), r.body());
    JsonNode jobs = json.readTree(r.body()).get("jobs");
    assertEquals(2, jobs.size());
    String id = jobs.get(0).get("job_id").asText();
    assertEquals("queued", jobs.get(0).get("status").asText());
    assertEquals(base + "/v1/jobs/" + id, jobs.get(0).get("status_url").asText());
    assertEquals("shape.png", jobs.get(0).get("file_name").asText());

    // queued at once (the status topology reads the jobs topic too) unless the worker was quicker
    JsonNode first = json.readTree(client.getString("/v1/jobs/" + id, true).body());
    assertTrue(List.of("queued", "done").contains(first.get("status").asText()), first.toString());

    JsonNode done = awaitStatus(id, "done");
    assertEquals(320, done.get("image").get("width").asInt());
    assertEquals(240, done.get("image").get("height").asInt());
    assertTrue(done.get("timings_ms").get("inference").asLong() > 0, done.toString());
    assertTrue(done.get("timings_ms").get("total").asLong() > 0, done.toString());
    assertEquals(id + ".png", done.get("output").get("key").asText());
    assertEquals(base + "/v1/jobs/" + id + "/cutout", done.get("output").get("url").asText());
    assertEquals("e2e-worker", done.get("worker_id").asText());

    HttpResponse<byte[]> png = client.get("/v1/jobs/" + id + "/cutout", true);
    assertEquals(200, png.statusCode());
    assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(""));
    BufferedImage cut = ImageIO.read(new ByteArrayInputStream(png.body()));
    assertEquals(320, cut.getWidth());
    assertEquals(240, cut.getHeight());
    assertTrue(cut.getColorModel().hasAlpha());
    // the drawn disc is kept, the flat background is cut away
    assertTrue((cut.getRGB(160, 120) >>> 24) > 200, "centre opaque");
    assertTrue((cut.getRGB(5, 5) >>> 24) < 50, "corner transparent");
    doneJobId = id;
    awaitStatus(jobs.get(1).get("job_id").asText(), "done");
  }

  @Test
  @Order(3)
  void apiRemoveMatchesTheCliRemover() throws Exception {
    Map<String, String> params = Map.of("ppm", "false", "a", "false", "af", "240", "extras", "{}");
    HttpResponse<byte[]> r =
        client.sendBytes(
            client.post("/api/remove", true, List.of(part("file", "shape.png", shapePng)), params));
    assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(""));
    // extras is the sam prompt now, no longer accepted-and-ignored
    assertTrue(r.headers().firstValue("X-Cutflow-Ignored").isEmpty(), r.headers().map().toString());
    assertNotNull(r.headers().firstValue("X-Cutflow-Job-Id").orElse(null));
    BufferedImage viaHttp = ImageIO.read(new ByteArrayInputStream(r.body()));
    assertEquals(320, viaHttp.getWidth());
    assertEquals(240, viaHttp.getHeight());

    // what `./cutflow remove` does in-process, on the same bytes with the same options
    try (RemoverFactory.Loaded loaded =
        RemoverFactory.open(
            null, InferenceSession.Settings.of(2), RemoverFactory.DEFAULT_WARMUP_RUNS)) {
      BackgroundRemover.Cutout local =
          loaded.remover().remove(shapePng, "shape.png", CutoutOptions.DEFAULTS);
      BufferedImage viaCli = ImageIO.read(new ByteArrayInputStream(local.png()));
      assertArrayEquals(
          alpha(viaCli), alpha(viaHttp), "alpha channel identical to ./cutflow remove");
      if (PHOTO != null) {
        byte[] photo = Files.readAllBytes(PHOTO);
        long t0 = System.nanoTime();
        loaded.remover().remove(photo, "photo.jpg", CutoutOptions.DEFAULTS);
        inProcessMillis = (System.nanoTime() - t0) / 1_000_000;
      }
    }
    // the in-process session is closed: the cores are the worker's again for the measurement
    if (PHOTO != null) {
      measureLatency();
    }
  }

  private long inProcessMillis = -1;

  @Test
  @Order(3)
  void imagesByUrlAreFetchedByIngestAndLoopbackIsRefused() throws Exception {
    com.sun.net.httpserver.HttpServer images =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    images.createContext(
        "/shape.png",
        ex -> {
          ex.sendResponseHeaders(200, shapePng.length);
          ex.getResponseBody().write(shapePng);
          ex.close();
        });
    images.start();
    try {
      String imageUrl = "http://localhost:" + images.getAddress().getPort() + "/shape.png";
      HttpResponse<byte[]> byUrl =
          client.get(
              "/api/remove?url=" + java.net.URLEncoder.encode(imageUrl, StandardCharsets.UTF_8),
              true);
      assertEquals(200, byUrl.statusCode(), () -> new String(byUrl.body(), StandardCharsets.UTF_8));
      HttpResponse<byte[]> uploaded =
          client.sendBytes(
              client.post(
                  "/api/remove", true, List.of(part("file", "shape.png", shapePng)), Map.of()));
      assertEquals(200, uploaded.statusCode());
      assertArrayEquals(
          alpha(ImageIO.read(new ByteArrayInputStream(uploaded.body()))),
          alpha(ImageIO.read(new ByteArrayInputStream(byUrl.body()))),
          "by URL: the same cutout as the upload");

      // the API asked to fetch its own /healthz over loopback
      String own = base + "/healthz";
      JsonNode refused =
          assertError(
              client.getString(
                  "/api/remove?url=" + java.net.URLEncoder.encode(own, StandardCharsets.UTF_8),
                  true),
              400,
              "url_address_not_allowed");
      assertTrue(refused.get("message").asText().contains("loopback"), refused.toString());

      HttpResponse<String> queued =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                  .header("X-API-Key", KEY)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"url\": \"" + imageUrl + "\"}"))
                  .build());
      assertEquals(202, queued.statusCode(), queued.body());
      JsonNode job = json.readTree(queued.body()).get("jobs").get(0);
      assertEquals(imageUrl, job.get("source_url").asText());
      awaitStatus(job.get("job_id").asText(), "done");
    } finally {
      images.stop(0);
    }
  }

  /**
   * Not an assertion: prints /api/remove latency vs the worker's own processing time on an idle
   * stack.
   */
  private void measureLatency() throws Exception {
    byte[] photo = Files.readAllBytes(PHOTO);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long s = System.nanoTime();
      HttpResponse<byte[]> r =
          client.sendBytes(
              client.post(
                  "/api/remove", true, List.of(part("file", "photo.jpg", photo)), Map.of()));
      long wall = (System.nanoTime() - s) / 1_000_000;
      assertEquals(200, r.statusCode());
      String id = r.headers().firstValue("X-Cutflow-Job-Id").orElseThrow();
      JsonNode st = awaitStatus(id, "done");
      long total = st.get("timings_ms").get("total").asLong();
      lines.add(
          String.format(
              "LATENCY run %d: /api/remove %d ms, worker total %d ms (inference %d ms), "
                  + "overhead %d ms; job %s",
              i + 1,
              wall,
              total,
              st.get("timings_ms").get("inference").asLong(),
              wall - total,
              st.get("timings_ms").toString()));
    }
    lines.add(
        "LATENCY in-process remover (./cutflow remove path, test JVM) " + inProcessMillis + " ms");
    lines.forEach(System.out::println);
    Files.write(Path.of("target", "http-latency.txt"), lines);
  }

  // ---------------------------------------------------------------- failures and errors

  @Test
  @Order(4)
  void aCorruptImageFailsWithItsFailureCode() throws Exception {
    byte[] truncated = java.util.Arrays.copyOf(jpeg(200, 150), 400);
    HttpResponse<String> r =
        client.send(
            client.post(
                "/v1/jobs", true, List.of(part("file", "broken.jpg", truncated)), Map.of()));
    assertEquals(202, r.statusCode(), r.body());
    failedJobId = json.readTree(r.body()).get("jobs").get(0).get("job_id").asText();
    JsonNode failed = awaitStatus(failedJobId, "failed");
    String code = failed.get("failure").get("code").asText();
    assertTrue(List.of("image_truncated", "image_corrupt").contains(code), failed.toString());
    assertTrue(failed.get("failure").get("message").asText().length() > 0);

    HttpResponse<String> cut = client.getString("/v1/jobs/" + failedJobId + "/cutout", true);
    assertError(cut, 404, "job_failed");

    HttpResponse<String> viaRemove =
        client.send(
            client.post("/api/remove", true, List.of(part("file", "b.jpg", truncated)), Map.of()));
    assertError(viaRemove, 422, code);
  }

  @Test
  @Order(5)
  void errors400() throws Exception {
    assertError(
        client.send(
            client.post(
                "/api/remove",
                true,
                List.of(part("file", "s.png", shapePng)),
                Map.of("bgc", "1,2,3"))),
        400,
        "invalid_parameter");
    assertError(
        client.send(
            client.post(
                "/v1/jobs", true, List.of(part("file", "s.png", shapePng)), Map.of("om", "maybe"))),
        400,
        "invalid_parameter");
    assertError(
        client.send(
            client.post("/api/remove", true, List.of(part("image", "s.png", shapePng)), Map.of())),
        400,
        "missing_file");
    HttpRequest notMultipart =
        HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
            .header("X-API-Key", KEY)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    assertError(client.send(notMultipart), 400, "multipart_required");
  }

  @Test
  @Order(6)
  void errors401() throws Exception {
    HttpResponse<String> none =
        client.send(
            client.post("/v1/jobs", false, List.of(part("file", "s.png", shapePng)), Map.of()));
    assertError(none, 401, "unauthorized");
    HttpRequest wrong =
        HttpRequest.newBuilder(URI.create(base + "/v1/jobs/" + doneJobId))
            .header("X-API-Key", "not-it")
            .GET()
            .build();
    assertError(client.send(wrong), 401, "unauthorized");
    HttpRequest bearer =
        HttpRequest.newBuilder(URI.create(base + "/v1/jobs/" + doneJobId))
            .header("Authorization", "Bearer " + KEY)
            .GET()
            .build();
    assertEquals(200, client.send(bearer).statusCode());
  }

  @Test
  @Order(7)
  void errors404() throws Exception {
    assertError(client.getString("/v1/jobs/no-such-job", true), 404, "unknown_job");
    assertError(client.getString("/v1/jobs/no-such-job/cutout", true), 404, "unknown_job");
    assertError(client.getString("/v1/nothing-here", true), 404, "not_found");
  }

  @Test
  @Order(8)
  void errors413() throws Exception {
    byte[] big = new byte[(int) MAX_UPLOAD + 1024];
    System.arraycopy(shapePng, 0, big, 0, shapePng.length);
    HttpResponse<String> r =
        client.send(
            client.post("/api/remove", true, List.of(part("file", "big.png", big)), Map.of()));
    assertError(r, 413, "payload_too_large");
  }

  @Test
  @Order(9)
  void errors415NameTheDetectedType() throws Exception {
    HttpResponse<String> text =
        client.send(
            client.post(
                "/v1/jobs",
                true,
                List.of(
                    part(
                        "file",
                        "notes.png",
                        "just some text, not a picture\n".getBytes(StandardCharsets.UTF_8))),
                Map.of()));
    JsonNode body = assertError(text, 415, "unsupported_media_type");
    assertTrue(body.get("message").asText().contains("text/plain"), body.toString());
    HttpResponse<String> pdf =
        client.send(
            client.post(
                "/api/remove",
                true,
                List.of(part("file", "doc.jpg", "%PDF-1.7\n...".getBytes(StandardCharsets.UTF_8))),
                Map.of()));
    assertTrue(
        assertError(pdf, 415, "unsupported_media_type")
            .get("message")
            .asText()
            .contains("application/pdf"));
  }

  @Test
  @Order(10)
  void queueDepthWrongMethodsAndUnparsableRequestsOnTheRealServer() throws Exception {
    HttpResponse<String> queued =
        client.send(
            client.post("/v1/jobs", true, List.of(part("file", "s.png", shapePng)), Map.of()));
    assertEquals(202, queued.statusCode(), queued.body());
    int depth = json.readTree(queued.body()).get("queue_depth").asInt();
    assertTrue(depth >= 1, queued.body());
    assertEquals(
        String.valueOf(depth), queued.headers().firstValue("X-Cutflow-Queue-Depth").orElse(""));

    HttpResponse<String> wrongMethod = client.getString("/api/remove", true);
    assertError(wrongMethod, 405, "method_not_allowed");
    assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
    assertError(client.getString("/v1/jobs/abc%00def", true), 400, "bad_request");
    assertError(client.getString("/v1/jobs/" + "x".repeat(600), true), 400, "invalid_job_id");
    assertError(client.getString("/v1/jobs/" + "x".repeat(9 * 1024), true), 414, "uri_too_long");
    awaitStatus(json.readTree(queued.body()).get("jobs").get(0).get("job_id").asText(), "done");
  }

  @Test
  @Order(10)
  void metricsCountRequestsByRouteAndStatus() throws Exception {
    String text = client.getString("/metrics", false).body();
    assertTrue(hasRequestSeries(text, "post_v1_jobs", "202"), text);
    assertTrue(hasRequestSeries(text, "post_api_remove", "200"), text);
    assertTrue(hasRequestSeries(text, "post_v1_jobs", "415"), text);
    assertTrue(hasRequestSeries(text, "get_v1_jobs_id", "401"), text);
    assertTrue(text.contains("cutflow_ingest_upload_bytes_total "), text);
    assertTrue(text.contains("cutflow_ingest_time_to_result_seconds_count "), text);
  }

  /** A request-count series with these labels, in whatever order the exporter writes them. */
  private static boolean hasRequestSeries(String metrics, String route, String status) {
    return metrics
        .lines()
        .anyMatch(
            l ->
                l.startsWith("cutflow_ingest_http_requests_total{")
                    && l.contains("route=\"" + route + "\"")
                    && l.contains("status=\"" + status + "\""));
  }

  @Test
  @Order(11)
  void statusSurvivesARestartAndRemoveTimesOutWith504() throws Exception {
    server.close();
    server = null;
    long t0 = System.nanoTime();
    // a fresh state directory: the store comes back from its changelog topic
    server =
        IngestServer.start(
            config.withOverrides(Map.of("cutflow.ingest.remove-timeout-ms", "1")),
            0,
            new MetricRegistry());
    assertTrue(server.awaitReady(Duration.ofSeconds(60)));
    System.out.printf(
        "ingest restarted and restored in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    base = server.url();
    JsonNode done = json.readTree(client.getString("/v1/jobs/" + doneJobId, true).body());
    assertEquals("done", done.get("status").asText(), done.toString());
    assertEquals(320, done.get("image").get("width").asInt());
    JsonNode failed = json.readTree(client.getString("/v1/jobs/" + failedJobId, true).body());
    assertEquals("failed", failed.get("status").asText(), failed.toString());
    assertEquals(200, client.get("/v1/jobs/" + doneJobId + "/cutout", true).statusCode());

    HttpResponse<String> slow =
        client.send(
            client.post("/api/remove", true, List.of(part("file", "s.png", shapePng)), Map.of()));
    JsonNode body = assertError(slow, 504, "timeout");
    String id = body.get("job_id").asText();
    assertEquals(id, slow.headers().firstValue("X-Cutflow-Job-Id").orElse(""));
    awaitStatus(id, "done"); // the job still completes
  }

  // ---------------------------------------------------------------- helpers

  private JsonNode awaitStatus(String id, String wanted) throws Exception {
    try {
      return client.awaitStatus(id, wanted, true, RESULT_WAIT);
    } catch (AssertionError notInTime) {
      if (!worker.isAlive()) {
        fail("worker died: " + worker.logTail(30));
      }
      throw notInTime;
    }
  }

  private JsonNode assertError(HttpResponse<String> r, int status, String code) throws IOException {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        r.headers().map().toString());
    JsonNode body = json.readTree(r.body());
    assertEquals(code, body.get("error").asText(), r.body());
    assertTrue(body.get("message").asText().length() > 0, r.body());
    return body;
  }

  private static Path photo(String name) {
    Path dir = TestPhotos.dir();
    return dir == null || !Files.isReadable(dir.resolve(name)) ? null : dir.resolve(name);
  }

  private static byte[] jpeg(int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, (x * 7 + y * 13) & 0xFFFFFF);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }

  private static int[] alpha(BufferedImage img) {
    int[] a = new int[img.getWidth() * img.getHeight()];
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        a[y * img.getWidth() + x] = img.getRGB(x, y) >>> 24;
      }
    }
    return a;
  }
}
