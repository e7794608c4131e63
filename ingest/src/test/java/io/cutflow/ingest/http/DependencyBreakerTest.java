package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class DependencyBreakerTest {
  private static final Duration PROBE_AFTER = Duration.ofMillis(300);

  private static DependencyBreaker breaker() {
    return new DependencyBreaker("kafka", "Kafka is not taking jobs", "unavailable", PROBE_AFTER);
  }

  @Test
  void aFailedRequestRefusesTheNextOnesAtOnceUntilAProbeGetsThrough() throws Exception {
    DependencyBreaker breaker = breaker();
    try (DependencyBreaker.Permit ok = breaker.admit()) {
      ok.succeeded();
    }
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());

    try (DependencyBreaker.Permit p = breaker.admit()) {
      p.failed(new TimeoutException("no metadata"));
    }
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());

    // refused at once, naming the dependency and the last failure
    long t0 = System.nanoTime();
    ApiError refused = assertThrows(ApiError.class, breaker::admit);
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 100);
    assertEquals(503, refused.status());
    assertEquals("unavailable", refused.code());
    assertEquals(Errors.DEPENDENCY_RETRY_AFTER_S, refused.retryAfterSeconds());
    assertEquals("kafka", refused.body().get("dependency"));
    assertTrue(refused.getMessage().startsWith("Kafka is not taking jobs"), refused.getMessage());
    assertTrue(refused.getMessage().contains("no metadata"), refused.getMessage());

    // after the wait one probe goes through while others are still refused
    Thread.sleep(PROBE_AFTER.toMillis() + 100);
    try (DependencyBreaker.Permit probe = breaker.admit()) {
      assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
      assertThrows(ApiError.class, breaker::admit);
      probe.succeeded();
    }
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    try (DependencyBreaker.Permit again = breaker.admit()) {
      again.succeeded();
    }
  }

  @Test
  void aProbeThatFailsOpensAgainAndOneThatEndsBeforeUsingItLetsTheNextProbeIn() throws Exception {
    DependencyBreaker breaker = breaker();
    try (DependencyBreaker.Permit p = breaker.admit()) {
      p.failed(new TimeoutException("x"));
    }
    Thread.sleep(PROBE_AFTER.toMillis() + 100);
    try (DependencyBreaker.Permit probe = breaker.admit()) {
      probe.failed(new TimeoutException("still down"));
    }
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    assertThrows(ApiError.class, breaker::admit);

    Thread.sleep(PROBE_AFTER.toMillis() + 100);
    try (DependencyBreaker.Permit badInput = breaker.admit()) {
      // e.g. a 415: the request ends before it uses the dependency
    }
    try (DependencyBreaker.Permit probe = breaker.admit()) {
      probe.succeeded();
    }
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
  }

  @Test
  void overHttpAProducerThatFailsIs503ThenRefusedWithoutStoringThenServedAfterTheProbe()
      throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (InProcessApi api = new InProcessApi(InProcessApi.settings(4, ""))) {
      api.producer.sendException = new TimeoutException("Topic cutflow.jobs not present");
      HttpResponse<String> first = post(http, api);
      assertEquals(503, first.statusCode(), first.body());
      assertTrue(first.body().contains("could not queue the job"), first.body());
      int s3Before = api.s3Requests.get();

      HttpResponse<String> refused = post(http, api);
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("Kafka is not taking jobs"), refused.body());
      assertEquals("5", refused.headers().firstValue("Retry-After").orElse(""));
      assertEquals(s3Before, api.s3Requests.get(), "a refused request stores nothing");

      api.producer.sendException = null; // Kafka is back
      Thread.sleep(DependencyBreaker.PROBE_AFTER.toMillis() + 200);
      assertEquals(202, post(http, api).statusCode());
      assertEquals(202, post(http, api).statusCode());
    }
  }

  @Test
  void overHttpAnObjectStoreThatFailsIs503ThenRefusedWithoutTryingThenServedAfterTheProbe()
      throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (InProcessApi api = new InProcessApi(InProcessApi.settings(4, ""))) {
      api.s3Down.set(true);
      HttpResponse<String> first = post(http, api);
      assertEquals(503, first.statusCode(), first.body());
      assertTrue(first.body().contains("\"storage_unavailable\""), first.body());
      assertTrue(first.body().contains("\"dependency\":\"object_store\""), first.body());
      int s3Before = api.s3Requests.get();

      HttpResponse<String> refused = post(http, api);
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("the object store is not taking images"), refused.body());
      assertTrue(refused.body().contains("\"dependency\":\"object_store\""), refused.body());
      assertEquals(s3Before, api.s3Requests.get(), "refused without calling the object store");
      assertEquals(0, api.published().size(), "nothing queued");

      api.s3Down.set(false);
      Thread.sleep(DependencyBreaker.PROBE_AFTER.toMillis() + 200);
      assertEquals(202, post(http, api).statusCode());
      assertEquals(202, post(http, api).statusCode());
    }
  }

  private static HttpResponse<String> post(HttpClient http, InProcessApi api) throws Exception {
    return http.send(
        Multipart.post(api.url("/v1/jobs"), InProcessApi.PNG),
        HttpResponse.BodyHandlers.ofString());
  }
}
