package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class PublishBreakerTest {
  private static final Duration PROBE_AFTER = Duration.ofMillis(300);

  @Test
  void aFailedPublishRefusesTheNextRequestsAtOnceUntilAProbeGetsItsJobsQueued() throws Exception {
    PublishBreaker breaker = new PublishBreaker(PROBE_AFTER, Duration.ofSeconds(5));
    try (PublishBreaker.Permit ok = breaker.admit()) {
      ok.awaitPublished(List.of(CompletableFuture.completedFuture("queued")));
    }
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());

    ApiError failed;
    try (PublishBreaker.Permit p = breaker.admit()) {
      failed =
          assertThrows(
              ApiError.class,
              () -> p.awaitPublished(List.of(failedWith(new TimeoutException("no metadata")))));
    }
    assertEquals(503, failed.status());
    assertEquals("unavailable", failed.code());
    assertTrue(failed.getMessage().contains("no metadata"), failed.getMessage());
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());

    // refused at once, naming Kafka and the last failure
    long t0 = System.nanoTime();
    ApiError refused = assertThrows(ApiError.class, breaker::admit);
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 100);
    assertEquals(503, refused.status());
    assertEquals("unavailable", refused.code());
    assertEquals(Errors.DEPENDENCY_RETRY_AFTER_S, refused.retryAfterSeconds());
    assertEquals("kafka", refused.body().get("dependency"));
    assertTrue(refused.getMessage().contains("Kafka is not taking jobs"), refused.getMessage());
    assertTrue(refused.getMessage().contains("no metadata"), refused.getMessage());

    // after the wait one probe goes through while others are still refused
    Thread.sleep(PROBE_AFTER.toMillis() + 100);
    try (PublishBreaker.Permit probe = breaker.admit()) {
      assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
      assertThrows(ApiError.class, breaker::admit);
      probe.awaitPublished(List.of(CompletableFuture.completedFuture("queued")));
    }
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    try (PublishBreaker.Permit again = breaker.admit()) {
      again.awaitPublished(List.of(CompletableFuture.completedFuture("queued")));
    }
  }

  @Test
  void aProbeThatFailsOpensAgainAndOneThatEndsBeforePublishingLetsTheNextProbeIn()
      throws Exception {
    PublishBreaker breaker = new PublishBreaker(PROBE_AFTER, Duration.ofSeconds(5));
    fail(breaker);
    Thread.sleep(PROBE_AFTER.toMillis() + 100);
    fail(breaker); // the probe's jobs fail too
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    assertThrows(ApiError.class, breaker::admit);

    Thread.sleep(PROBE_AFTER.toMillis() + 100);
    try (PublishBreaker.Permit badInput = breaker.admit()) {
      // e.g. a 415: the request ends before anything is queued
    }
    try (PublishBreaker.Permit probe = breaker.admit()) {
      probe.awaitPublished(List.of(CompletableFuture.completedFuture("queued")));
    }
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
  }

  @Test
  void jobsNotQueuedWithinTheDeadlineCountAsAFailure() {
    PublishBreaker breaker = new PublishBreaker(PROBE_AFTER, Duration.ofMillis(200));
    ApiError late;
    try (PublishBreaker.Permit p = breaker.admit()) {
      late =
          assertThrows(
              ApiError.class, () -> p.awaitPublished(List.of(new CompletableFuture<String>())));
    }
    assertEquals(503, late.status());
    assertTrue(late.getMessage().contains("not queued within"), late.getMessage());
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
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
      int storedBefore = api.stored.get();

      HttpResponse<String> refused = post(http, api);
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("Kafka is not taking jobs"), refused.body());
      assertEquals("5", refused.headers().firstValue("Retry-After").orElse(""));
      assertEquals(storedBefore, api.stored.get(), "a refused request stores nothing");

      api.producer.sendException = null; // Kafka is back
      Thread.sleep(PublishBreaker.PROBE_AFTER.toMillis() + 200);
      HttpResponse<String> probe = post(http, api);
      assertEquals(202, probe.statusCode(), probe.body());
      assertEquals(202, post(http, api).statusCode());
    }
  }

  private static HttpResponse<String> post(HttpClient http, InProcessApi api) throws Exception {
    return http.send(
        Multipart.post(api.url("/v1/jobs"), InProcessApi.PNG),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void fail(PublishBreaker breaker) {
    try (PublishBreaker.Permit p = breaker.admit()) {
      assertThrows(
          ApiError.class, () -> p.awaitPublished(List.of(failedWith(new TimeoutException("x")))));
    }
  }

  private static CompletableFuture<String> failedWith(Throwable t) {
    return CompletableFuture.failedFuture(t);
  }
}
