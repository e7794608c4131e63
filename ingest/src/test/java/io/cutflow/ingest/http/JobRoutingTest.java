package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.ingest.status.StatusOwner;
import io.javalin.Javalin;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link JobRouting} between two real HTTP nodes on loopback (Javalin + the real {@link
 * java.net.http.HttpClient} peer), each with a scripted view of who owns which job.
 */
class JobRoutingTest {
  private static final Duration[] FAST = {
    Duration.ofMillis(5), Duration.ofMillis(5), Duration.ofMillis(5), Duration.ofMillis(5)
  };

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Javalin> apps = new ArrayList<>();

  /** One node: answers "name:id" for jobs it owns, forwards the others per {@code owners}. */
  private final class Node {
    final String name;
    final Javalin app;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger answeredLocally = new AtomicInteger();
    final List<Map<String, String>> seenHeaders = new CopyOnWriteArrayList<>();
    final Map<String, Integer> failFirst = new ConcurrentHashMap<>();
    final Set<String> overloaded = ConcurrentHashMap.newKeySet();

    Node(String name, Function<String, StatusOwner> owners) {
      this.name = name;
      JobRouting routing =
          new JobRouting(owners, JobRouting.httpPeer(), () -> "http://" + name, FAST);
      app =
          Javalin.create(c -> c.showJavalinBanner = false)
              .get(
                  "/v1/jobs/{id}",
                  ctx -> {
                    requests.incrementAndGet();
                    seenHeaders.add(
                        Map.of(
                            "key", String.valueOf(ctx.header("X-API-Key")),
                            "forwarded", String.valueOf(ctx.header(JobRouting.FORWARDED_HEADER))));
                    String id = ctx.pathParam("id");
                    Integer left = failFirst.computeIfPresent(id, (k, n) -> n - 1);
                    if (left != null && left >= 0) {
                      throw new ApiError(503, "not_ready", "restoring", Map.of(), 1);
                    }
                    if (overloaded.contains(id)) {
                      throw new ApiError(503, "overloaded", "too many waiting", Map.of(), 2);
                    }
                    Optional<JobRouting.PeerAnswer> answer = routing.route(ctx, id);
                    if (answer.isPresent()) {
                      JobRouting.copy(answer.get(), ctx);
                    } else {
                      answeredLocally.incrementAndGet();
                      ctx.header("X-Cutflow-Job-Id", id).json(Map.of("answer", name + ":" + id));
                    }
                  })
              .exception(ApiError.class, (e, ctx) -> Responses.error(ctx, e))
              .start("127.0.0.1", 0);
      apps.add(app);
    }

    StatusOwner.Remote asOwner() {
      return new StatusOwner.Remote("127.0.0.1", app.port());
    }

    HttpResponse<String> get(String pathAndQuery) throws Exception {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + pathAndQuery))
              .header("X-API-Key", "k-123")
              .timeout(Duration.ofSeconds(20))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  @AfterEach
  void stop() {
    apps.forEach(Javalin::stop);
  }

  private static String answer(HttpResponse<String> r) throws Exception {
    return JobCodec.newMapper().readTree(r.body()).get("answer").asText();
  }

  @Test
  void aJobHeldHereIsAnsweredHere() throws Exception {
    Node a = new Node("a", id -> StatusOwner.LOCAL);
    HttpResponse<String> r = a.get("/v1/jobs/j1");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("a:j1", answer(r));
    assertTrue(r.headers().firstValue(JobRouting.ANSWERED_BY_HEADER).isEmpty());
  }

  @Test
  void aJobHeldElsewhereIsAnsweredByItsOwnerWithTheClientsKey() throws Exception {
    Node b = new Node("b", id -> StatusOwner.LOCAL);
    Node a = new Node("a", id -> b.asOwner());
    HttpResponse<String> r = a.get("/v1/jobs/j2?x=1");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("b:j2", answer(r));
    assertEquals(b.asOwner().baseUrl(), r.headers().firstValue("X-Cutflow-Answered-By").get());
    assertEquals("j2", r.headers().firstValue("X-Cutflow-Job-Id").get(), "owner's headers kept");
    assertEquals(0, a.answeredLocally.get());
    assertEquals(1, b.requests.get());
    assertEquals(Map.of("key", "k-123", "forwarded", "http://a"), b.seenHeaders.get(0));
  }

  @Test
  void twoStaleViewsNeverBounceARequestBackAndForth() throws Exception {
    AtomicInteger aPort = new AtomicInteger();
    Node b = new Node("b", id -> new StatusOwner.Remote("127.0.0.1", aPort.get()));
    Node a = new Node("a", id -> b.asOwner());
    aPort.set(a.app.port());
    HttpResponse<String> r = a.get("/v1/jobs/j3");
    assertEquals(503, r.statusCode(), r.body());
    JsonNode body = JobCodec.newMapper().readTree(r.body());
    assertEquals("rebalancing", body.get("error").asText());
    assertEquals("j3", body.get("job_id").asText());
    assertEquals(String.valueOf(JobRouting.REBALANCE_RETRY_AFTER_S), retryAfter(r));
    assertEquals(1, a.requests.get(), "b never forwarded the request back to a");
    assertEquals(FAST.length + 1, b.requests.get(), "one forward per attempt, then give up");
    assertEquals(0, a.answeredLocally.get() + b.answeredLocally.get());
  }

  @Test
  void noKnownOwnerIsA503WithRetryAfterAfterBoundedAttempts() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    Node a =
        new Node(
            "a",
            id -> {
              lookups.incrementAndGet();
              return new StatusOwner.Unknown("no instance holds the job's partition (rebalancing)");
            });
    HttpResponse<String> r = a.get("/v1/jobs/j4");
    assertEquals(503, r.statusCode());
    assertEquals(String.valueOf(JobRouting.REBALANCE_RETRY_AFTER_S), retryAfter(r));
    assertTrue(r.body().contains("rebalancing"), r.body());
    assertEquals(FAST.length + 1, lookups.get());
  }

  @Test
  void aDeadOwnerIsLookedUpAgainUntilTheJobMovesHere() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    AtomicInteger lookups = new AtomicInteger();
    Node a =
        new Node(
            "a",
            id ->
                lookups.incrementAndGet() < 3
                    ? new StatusOwner.Remote("127.0.0.1", dead)
                    : StatusOwner.LOCAL);
    HttpResponse<String> r = a.get("/v1/jobs/j5");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("a:j5", answer(r));
    assertEquals(3, lookups.get());
  }

  @Test
  void anOwnerStillRestoringIsAskedAgain() throws Exception {
    Node b = new Node("b", id -> StatusOwner.LOCAL);
    b.failFirst.put("j6", 2);
    Node a = new Node("a", id -> b.asOwner());
    HttpResponse<String> r = a.get("/v1/jobs/j6");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("b:j6", answer(r));
    assertEquals(3, b.requests.get());
  }

  @Test
  void anOwnerThatKeepsAnswering503EndsInTheRoutingsOwn503() throws Exception {
    Node b = new Node("b", id -> StatusOwner.LOCAL);
    b.failFirst.put("j7", 100); // answers 503 not_ready every time
    Node a = new Node("a", id -> b.asOwner());
    HttpResponse<String> r = a.get("/v1/jobs/j7");
    // a 503 from the owner is retried, then the client gets the routing 503 naming the owner
    assertEquals(503, r.statusCode());
    assertTrue(r.body().contains(b.asOwner().baseUrl()), r.body());
    assertFalse(r.body().contains("b:j7"));
  }

  @Test
  void anOverloadedOwnersAnswerIsPassedBackWithoutAskingAgain() throws Exception {
    Node b = new Node("b", id -> StatusOwner.LOCAL);
    b.overloaded.add("j8");
    Node a = new Node("a", id -> b.asOwner());
    HttpResponse<String> r = a.get("/v1/jobs/j8");
    assertEquals(503, r.statusCode());
    assertTrue(r.body().contains("\"overloaded\""), r.body());
    assertEquals("2", retryAfter(r), "the owner's Retry-After");
    assertEquals(b.asOwner().baseUrl(), r.headers().firstValue("X-Cutflow-Answered-By").get());
    assertEquals(1, b.requests.get(), "asked once, not retried");
  }

  private static String retryAfter(HttpResponse<String> r) {
    return r.headers().firstValue("Retry-After").orElse("");
  }
}
