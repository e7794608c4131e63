package io.cutflow.standalone.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.cutflow.standalone.infra.WorkerUnderTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * Two ingest instances with one application id against one embedded stack (real KRaft broker, real
 * S3 server, one real worker process). Both {@link IngestServer}s run in this JVM, each on its own
 * port with its own Kafka Streams instance, advertising its own address: the store's partitions are
 * split between them and every status or cutout request for a job the other instance holds is
 * forwarded there over HTTP. Then one instance stops and the other answers for every job once the
 * group has rebalanced.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestInstancesEndToEndTest {
  private static final String KEY = "two-instances-secret";
  private static final Duration RESULT_WAIT = Duration.ofSeconds(240);

  private final ObjectMapper json = new ObjectMapper();
  private EmbeddedStack stack;
  private JavaProcess worker;
  private IngestServer a;
  private IngestHttp clientA;
  private IngestHttp clientB;
  private IngestServer b;
  private byte[] png;
  private final List<String> jobs = new ArrayList<>();
  private final List<String> notOk = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", "4")));
    worker = WorkerUnderTest.start(stack, "two-instances-worker");
    CutflowConfig config =
        IngestUnderTest.config(stack, "two-instances", Map.of("cutflow.ingest.api-key", KEY));
    a = IngestServer.start(config, 0, new MetricRegistry());
    b = IngestServer.start(config, 0, new MetricRegistry());
    assertTrue(a.awaitReady(Duration.ofSeconds(120)), "instance a ready");
    assertTrue(b.awaitReady(Duration.ofSeconds(120)), "instance b ready");
    String urlA = a.url();
    String urlB = b.url();
    clientA = new IngestHttp(() -> urlA, KEY);
    clientB = new IngestHttp(() -> urlB, KEY);
    png = ShapeImage.png(200, 150);
  }

  @AfterAll
  void stop() throws Exception {
    WorkerUnderTest.closeAll(a, b, worker, stack);
  }

  @Test
  @Order(1)
  void aJobAcceptedByOneInstanceIsKnownAtOnceByTheOther() throws Exception {
    // asked at the other instance the moment it is accepted. Where that instance holds the job's
    // status it may not have read it from the jobs topic yet: "queued" (or "retry"), never
    // "unknown job". Where the submitter holds it, the request is forwarded back to it.
    List<String> answers = new ArrayList<>();
    int fromOwnStore = 0;
    for (int i = 0; i < 10; i++) {
      IngestServer on = i % 2 == 0 ? a : b;
      String id = submit(on, "at-once-" + i + ".png");
      jobs.add(id);
      long asked = System.nanoTime();
      HttpResponse<byte[]> r = get(on == a ? b : a, "/v1/jobs/" + id);
      long ms = (System.nanoTime() - asked) / 1_000_000;
      boolean own = answeredBy(r) == null;
      fromOwnStore += own ? 1 : 0;
      answers.add(
          r.statusCode()
              + (own ? " own-store " : " forwarded ")
              + ms
              + " ms"
              + " retry-after="
              + r.headers().firstValue("Retry-After").orElse("none")
              + (r.statusCode() == 200 ? "" : " " + new String(r.body(), StandardCharsets.UTF_8)));
    }
    System.out.println("asked the other instance at once: " + answers);
    for (String answer : answers) {
      assertTrue(
          answer.startsWith("200 ") || answer.startsWith("503 ") && !answer.contains("=none"),
          answer);
    }
    assertTrue(fromOwnStore > 0, "no job of the 10 landed on the asked instance's partitions");
  }

  @Test
  @Order(2)
  void twentyJobsSubmittedAlternatelyAreAnsweredByEitherInstance() throws Exception {
    for (int i = 0; i < 20; i++) {
      jobs.add(submit(i % 2 == 0 ? a : b, "shape-" + i + ".png"));
    }
    int forwardedByA = 0;
    int forwardedByB = 0;
    for (String id : jobs) {
      JsonNode viaA = awaitDone(a, id);
      JsonNode viaB = awaitDone(b, id);
      assertEquals(viaA.get("output").toString(), viaB.get("output").toString());
      assertEquals(200, viaA.get("image").get("width").asInt(), viaA.toString());
      HttpResponse<byte[]> cutA = get(a, "/v1/jobs/" + id + "/cutout");
      HttpResponse<byte[]> cutB = get(b, "/v1/jobs/" + id + "/cutout");
      assertEquals(200, cutA.statusCode(), () -> new String(cutA.body(), StandardCharsets.UTF_8));
      assertEquals(200, cutB.statusCode(), () -> new String(cutB.body(), StandardCharsets.UTF_8));
      assertEquals("image/png", cutA.headers().firstValue("Content-Type").orElse(""));
      assertArrayEquals(cutA.body(), cutB.body(), "the same cutout from both instances");
      BufferedImage cut = ImageIO.read(new ByteArrayInputStream(cutB.body()));
      assertEquals(200, cut.getWidth());
      assertTrue((cut.getRGB(100, 75) >>> 24) > 200, "centre opaque");
      // exactly one of the two answered from its own store, the other asked it
      boolean aForwarded = answeredBy(get(a, "/v1/jobs/" + id)) != null;
      boolean bForwarded = answeredBy(get(b, "/v1/jobs/" + id)) != null;
      assertTrue(aForwarded != bForwarded, "job " + id + ": a forwarded " + aForwarded);
      forwardedByA += aForwarded ? 1 : 0;
      forwardedByB += bForwarded ? 1 : 0;
    }
    // with 4 partitions split between two instances, both sides forward some of 20 jobs
    assertTrue(forwardedByA > 0 && forwardedByB > 0, forwardedByA + " / " + forwardedByB);
  }

  @Test
  @Order(3)
  void apiRemoveReturnsThePngWhenAnotherInstanceHoldsTheJob() throws Exception {
    // job ids are made by the server: remove until one lands on the other instance's partition
    boolean sawForeign = false;
    for (int i = 0; i < 10 && !sawForeign; i++) {
      IngestServer on = i % 2 == 0 ? a : b;
      HttpResponse<byte[]> r = post(on, "/api/remove", "remove-" + i + ".png");
      assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
      assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(""));
      String id = r.headers().firstValue("X-Cutflow-Job-Id").orElseThrow();
      jobs.add(id);
      sawForeign = answeredBy(get(on, "/v1/jobs/" + id)) != null;
    }
    assertTrue(sawForeign, "no /api/remove job landed on the other instance in 10 tries");
  }

  @Test
  @Order(4)
  void afterOneInstanceStopsTheOtherAnswersForEveryJob() throws Exception {
    // stopped mid-way: these jobs are still queued when a goes
    for (int i = 0; i < 6; i++) {
      jobs.add(submit(a, "late-" + i + ".png"));
    }
    a.close();
    a = null;
    for (String id : jobs) {
      JsonNode done = awaitDone(b, id);
      assertTrue(answeredByHeaderless(b, id), "b answers " + id + " from its own store now");
      assertEquals(id, done.get("job_id").asText());
      HttpResponse<byte[]> cut = get(b, "/v1/jobs/" + id + "/cutout");
      assertEquals(200, cut.statusCode(), () -> new String(cut.body(), StandardCharsets.UTF_8));
    }
    // what a client saw while the group rebalanced: only retryable 503s, each with Retry-After
    System.out.println("answers other than 200 while polling: " + notOk);
    for (String s : notOk) {
      assertTrue(s.startsWith("503 ") && s.contains("retry-after="), s);
    }
  }

  private boolean answeredByHeaderless(IngestServer on, String id) throws Exception {
    HttpResponse<byte[]> r = get(on, "/v1/jobs/" + id);
    return r.statusCode() == 200 && answeredBy(r) == null;
  }

  private static String answeredBy(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cutflow-Answered-By").orElse(null);
  }

  private String submit(IngestServer on, String name) throws Exception {
    HttpResponse<byte[]> r = post(on, "/v1/jobs", name);
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertEquals(202, r.statusCode(), body);
    return json.readTree(body).get("jobs").get(0).get("job_id").asText();
  }

  private JsonNode awaitDone(IngestServer on, String id) throws Exception {
    long deadline = System.nanoTime() + RESULT_WAIT.toNanos();
    String last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<byte[]> r = get(on, "/v1/jobs/" + id);
      String body = new String(r.body(), StandardCharsets.UTF_8);
      last = r.statusCode() + " " + body;
      if (r.statusCode() == 200) {
        JsonNode s = json.readTree(body);
        if ("done".equals(s.get("status").asText())) {
          return s;
        }
      } else {
        notOk.add(
            r.statusCode()
                + " retry-after="
                + r.headers().firstValue("Retry-After").orElse("none")
                + " "
                + body);
      }
      Thread.sleep(200);
    }
    if (!worker.isAlive()) {
      fail("worker died: " + worker.logTail(30));
    }
    fail("job " + id + " not done in time on " + on.url() + "; last answer: " + last);
    return null;
  }

  private HttpResponse<byte[]> get(IngestServer on, String path) throws Exception {
    return client(on).get(path, true);
  }

  /** POSTs {@code fileName} (the test's PNG) to {@code path}. */
  private HttpResponse<byte[]> post(IngestServer on, String path, String fileName)
      throws Exception {
    IngestHttp client = client(on);
    return client.sendBytes(
        client.post(path, true, List.of(IngestHttp.part("file", fileName, png)), Map.of()));
  }

  private IngestHttp client(IngestServer on) {
    return on == b ? clientB : clientA;
  }
}
