package io.cutflow.standalone.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestHttp;
import io.cutflow.standalone.infra.IngestUnderTest;
import io.cutflow.standalone.infra.TestPhotos;
import io.cutflow.standalone.infra.WorkerUnderTest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /v1/stats} on the real stack (KRaft broker, S3 server, a worker process with the ONNX
 * model, the ingest in this JVM): 5 photos and 2 truncated JPEGs through the HTTP API give ok 5 and
 * failed 2 for the last minute (those of them inside its windows, when a loaded machine spreads the
 * batch wider) and for the last hour.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThroughputStatsEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(180);

  private final ObjectMapper json = new ObjectMapper();
  private final IngestHttp client = new IngestHttp(() -> this.server.url(), null);
  private EmbeddedStack stack;
  private JavaProcess worker;
  private IngestServer server;
  private Path photos;

  @BeforeAll
  void start() throws Exception {
    photos = TestPhotos.dir();
    Assumptions.assumeTrue(
        photos != null, "shared/testdata/photos not found beside the repository");
    stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", "2")));
    worker = WorkerUnderTest.start(stack, "stats-worker");
    CutflowConfig config = IngestUnderTest.config(stack, "e2e-stats", Map.of());
    server = IngestServer.start(config, 0, new MetricRegistry());
    assertTrue(server.awaitReady(Duration.ofSeconds(90)), "status store ready");
  }

  @AfterAll
  void stop() throws Exception {
    WorkerUnderTest.closeAll(server, worker, stack);
  }

  @Test
  void fiveOkAndTwoBadImagesShowInTheLastMinute() throws Exception {
    List<String> names =
        List.of("animal-1.jpg", "car-1.jpg", "girl-1.jpg", "cloth-1.jpg", "anime-girl-1.jpg");
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String n : names) {
      files.put(n, Files.readAllBytes(photos.resolve(n)));
    }
    // a JPEG header passes the ingest's sniffing; the worker cannot decode the rest
    byte[] photo = files.get("car-1.jpg");
    files.put("bad-1.jpg", Arrays.copyOf(photo, 400));
    files.put("bad-2.jpg", Arrays.copyOf(photo, 600));
    List<IngestHttp.Part> parts = new ArrayList<>();
    files.forEach((name, bytes) -> parts.add(IngestHttp.part("file", name, bytes)));
    HttpResponse<String> posted = client.send(client.post("/v1/jobs", false, parts, Map.of()));
    assertEquals(202, posted.statusCode(), posted.body());
    List<String> ids = new ArrayList<>();
    json.readTree(posted.body()).get("jobs").forEach(j -> ids.add(j.get("job_id").asText()));
    assertEquals(7, ids.size());
    List<JsonNode> finished = new ArrayList<>();
    for (String id : ids) {
      finished.add(awaitFinished(id));
    }
    assertEquals(5, finished.stream().filter(j -> j.get("status").asText().equals("done")).count());

    // "the last minute" covers the current and the previous minute window; on a loaded machine the
    // batch can take longer than that, so the expectation counts what finished inside [from, to)
    JsonNode minute = awaitMinute(finished);
    Instant from = Instant.parse(minute.get("from").asText());
    long ok = count(finished, "done", from);
    long failed = count(finished, "failed", from);
    if (ok + failed < 7) {
      System.out.println("the batch straddled more than the last minute's windows: " + minute);
    }
    assertEquals(ok, minute.get("ok").asLong(), minute.toString());
    assertEquals(failed, minute.get("failed").asLong(), minute.toString());
    assertEquals(failed, sum(minute.get("by_failure_code")), minute.toString());
    assertEquals(ok + failed, sum(minute.get("by_model")), minute.toString());
    assertTrue(minute.get("images_per_second").asDouble() > 0, minute.toString());
    long p50 = minute.get("latency_ms").get("p50").asLong();
    long p95 = minute.get("latency_ms").get("p95").asLong();
    assertTrue(p50 > 0 && p95 >= p50, minute.toString());
    assertTrue(minute.get("inference_latency_ms").get("p95").asLong() > 0, minute.toString());

    // the last hour holds the whole batch: exactly 5 ok and 2 failed
    JsonNode hour = awaitStats("1h", 7);
    assertEquals(5, hour.get("ok").asLong(), hour.toString());
    assertEquals(2, hour.get("failed").asLong(), hour.toString());
    assertEquals(2, sum(hour.get("by_failure_code")), hour.toString());
    assertEquals(7, hour.get("by_worker").get("stats-worker").asLong(), hour.toString());

    HttpResponse<String> bad = client.getString("/v1/stats?window=5m", false);
    assertEquals(400, bad.statusCode(), bad.body());
    assertEquals("invalid_window", json.readTree(bad.body()).get("error").asText(), bad.body());
  }

  /** Results of the batch with {@code status} that finished at or after {@code from}. */
  private static long count(List<JsonNode> jobs, String status, Instant from) {
    return jobs.stream()
        .filter(j -> j.get("status").asText().equals(status))
        .filter(j -> !Instant.parse(j.get("finished_at").asText()).isBefore(from))
        .count();
  }

  /** Polls {@code window=1m} until it counts every result of the batch inside its windows. */
  private JsonNode awaitMinute(List<JsonNode> batch) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = client.getString("/v1/stats?window=1m", false);
      if (r.statusCode() == 200) {
        last = json.readTree(r.body());
        Instant from = Instant.parse(last.get("from").asText());
        long want = count(batch, "done", from) + count(batch, "failed", from);
        if (want > 0 && last.get("ok").asLong() + last.get("failed").asLong() >= want) {
          return last;
        }
      }
      Thread.sleep(200);
    }
    fail("window 1m did not count the batch's results: " + last);
    return null;
  }

  private static long sum(JsonNode counts) {
    long n = 0;
    for (JsonNode v : counts) {
      n += v.asLong();
    }
    return n;
  }

  /** Polls until the window counts {@code total} results (the stats trail the status by a hop). */
  private JsonNode awaitStats(String window, long total) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = client.getString("/v1/stats?window=" + window, false);
      if (r.statusCode() == 200) {
        last = json.readTree(r.body());
        if (last.get("ok").asLong() + last.get("failed").asLong() >= total) {
          return last;
        }
      }
      Thread.sleep(200);
    }
    fail("window " + window + " did not reach " + total + " results: " + last);
    return null;
  }

  private JsonNode awaitFinished(String id) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String status = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = client.getString("/v1/jobs/" + id, false);
      if (r.statusCode() == 200) {
        JsonNode job = json.readTree(r.body());
        status = job.get("status").asText();
        if (status.equals("done") || status.equals("failed")) {
          return job;
        }
      }
      Thread.sleep(200);
    }
    if (!worker.isAlive()) {
      fail("worker died: " + worker.logTail(30));
    }
    fail("job " + id + " not finished in time: " + status);
    return null;
  }
}
