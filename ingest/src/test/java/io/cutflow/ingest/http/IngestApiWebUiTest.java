package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.JobRequest;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The web UI's routes on the real API (auth, headers, events over HTTP, the ZIP link). */
class IngestApiWebUiTest {
  private static final String KEY = "ui-secret";

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private InProcessApi api;

  @BeforeEach
  void start() throws Exception {
    api = new InProcessApi(new IngestApi.Settings(1 << 20, 4, KEY, Duration.ofSeconds(30)));
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void thePageAndItsFilesAreOpenSelfContainedAndLockedDown() throws Exception {
    List<String> modules =
        List.of("app.js", "server.js", "tiles.js", "events.js", "chart.js", "pick.js");
    List<String> paths = new java.util.ArrayList<>(List.of("/", "/webui/app.css"));
    modules.forEach(m -> paths.add("/webui/" + m));
    for (String path : paths) {
      HttpResponse<String> r = get(path, false);
      assertEquals(200, r.statusCode(), path);
      String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
      assertTrue(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), csp);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
      // nothing from outside this server: no CDN, no font service, no analytics
      assertFalse(r.body().matches("(?s).*https?://.*"), path + " names an outside URL");
    }
    assertTrue(
        get("/", false).body().contains("<script type=\"module\" src=\"/webui/app.js\"></script>"));
    for (String m : modules) {
      // a module served as anything else is refused by the browser (nosniff, strict MIME check)
      assertTrue(
          get("/webui/" + m, false)
              .headers()
              .firstValue("Content-Type")
              .orElse("")
              .startsWith("text/javascript"),
          m);
    }
    // every module app.js imports is one the server serves
    java.util.regex.Matcher imports =
        java.util.regex.Pattern.compile("from '\\./([a-z]+\\.js)'")
            .matcher(get("/webui/app.js", false).body());
    int found = 0;
    while (imports.find()) {
      assertTrue(modules.contains(imports.group(1)), imports.group(1));
      found++;
    }
    assertEquals(modules.size() - 1, found, "app.js imports each other module");
    HttpResponse<String> missing = get("/webui/secrets.txt", false);
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", json.readTree(missing.body()).get("error").asText());
  }

  @Test
  void uiConfigTellsTheLimitsTheKeyAndTheModels() throws Exception {
    HttpResponse<String> r = get("/v1/ui-config", false);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode c = json.readTree(r.body());
    assertEquals(1 << 20, c.get("max_upload_bytes").asLong());
    assertEquals(4, c.get("max_files").asInt());
    assertTrue(c.get("api_key_required").asBoolean());
    assertEquals("test-model", c.get("models").get(0).get("name").asText());
    assertTrue(c.get("models").get(0).get("served").asBoolean());
  }

  @Test
  void eventsNeedTheKeyAndPushEachResult() throws Exception {
    assertEquals(401, get("/v1/events", false).statusCode());

    HttpResponse<Stream<String>> stream =
        http.send(
            HttpRequest.newBuilder(URI.create(api.url("/v1/events")))
                .header("X-API-Key", KEY)
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, stream.statusCode());
    assertTrue(
        stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    Iterator<String> lines = stream.body().iterator();
    assertEquals(List.of("id: 0", "event: hello", "data: {}"), eventNamed(lines, "hello"));

    JobRequest request = request("job-sse-1");
    api.finish(request);
    List<String> result = eventNamed(lines, "result");
    // on the wire exactly as JobEvents.Event says (its format is unit-tested in JobEventsTest)
    assertEquals(
        String.join("\n", result) + "\n\n",
        io.cutflow.ingest.webui.JobEvents.of(api.lastResult).wire());
    JsonNode data = json.readTree(result.get(2).substring("data: ".length()));
    assertEquals("job-sse-1", data.get("job_id").asText());
    assertEquals("done", data.get("status").asText());
    assertEquals(4, data.get("image").get("width").asInt());
    stream.body().close();
  }

  @Test
  void aZipLinkStreamsTheDoneCutoutsWithoutTheKey() throws Exception {
    api.finish(request("job-a"));
    api.finish(request("job-b"));
    String body = "{\"job_ids\": [\"job-a\", \"job-b\", \"job-unknown\"]}";
    assertEquals(401, post("/v1/zips", body, false).statusCode());
    HttpResponse<String> bad = post("/v1/zips", "{\"job_ids\": []}", true);
    assertEquals(400, bad.statusCode());
    assertEquals("missing_job_ids", json.readTree(bad.body()).get("error").asText());

    HttpResponse<String> made = post("/v1/zips", body, true);
    assertEquals(201, made.statusCode(), made.body());
    String url = json.readTree(made.body()).get("url").asText();
    assertTrue(url.matches("/v1/zips/[0-9a-f]{32}"), url);

    HttpResponse<byte[]> zip =
        http.send(
            HttpRequest.newBuilder(URI.create(api.url(url))).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, zip.statusCode());
    assertEquals("application/zip", zip.headers().firstValue("Content-Type").orElse(""));
    assertEquals("2", zip.headers().firstValue("X-Cutflow-Cutouts").orElse(""));
    assertTrue(zip.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
        assertEquals(InProcessApi.PNG.length, in.readAllBytes().length);
      }
    }
    assertEquals(List.of("job-a.png", "job-b.png"), names);

    HttpResponse<String> gone = get("/v1/zips/0123456789abcdef0123456789abcdef", false);
    assertEquals(404, gone.statusCode());
    assertEquals("zip_link_expired", json.readTree(gone.body()).get("error").asText());
  }

  private static JobRequest request(String id) {
    return new JobRequest(
        JobRequest.SCHEMA,
        id,
        new JobRequest.Source("cutflow-raw", id + "/" + id + ".jpg", "etag", 10L),
        null,
        CutoutOptions.DEFAULTS,
        Instant.now(),
        Map.of());
  }

  /** The lines of the next event of that name (up to its blank line), waiting at most 10 s. */
  private static List<String> eventNamed(Iterator<String> lines, String name) throws Exception {
    return CompletableFuture.supplyAsync(
            () -> {
              List<String> event = new ArrayList<>();
              while (lines.hasNext()) {
                String line = lines.next();
                if (line.isEmpty()) {
                  if (event.contains("event: " + name)) {
                    return event;
                  }
                  event.clear();
                } else if (!line.startsWith(":")) {
                  event.add(line);
                }
              }
              throw new IllegalStateException("stream ended before a '" + name + "' event");
            })
        .get(10, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(String path, boolean withKey) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.url(path)));
    if (withKey) {
      b.header("X-API-Key", KEY);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body, boolean withKey) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(api.url(path)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (withKey) {
      b.header("X-API-Key", KEY);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
