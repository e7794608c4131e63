package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.job.JobRequest;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/remove} under a burst, with no worker consuming: a bound of N waiting requests and
 * N+k sent at once give exactly k refusals (503, Retry-After, JSON, counted, nothing stored or
 * queued), while the N admitted ones keep waiting and get their cutouts once results arrive.
 */
class RemoveAdmissionTest {
  private static final int BOUND = 3;
  private static final int EXTRA = 2;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aBurstBeyondTheBoundIsRefusedWithRetryAfterAndTheWaitingOnesComplete() throws Exception {
    try (InProcessApi api = new InProcessApi(InProcessApi.settings(BOUND, ""))) {
      List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
      for (int i = 0; i < BOUND + EXTRA; i++) {
        calls.add(
            http.sendAsync(
                Multipart.post(api.url("/api/remove"), InProcessApi.PNG),
                HttpResponse.BodyHandlers.ofByteArray()));
      }
      // the refusals come back at once; the admitted ones wait for results nobody sends yet
      await(
          "the refusals", () -> calls.stream().filter(CompletableFuture::isDone).count() >= EXTRA);
      await("the admitted jobs queued", () -> api.published().size() >= BOUND);

      List<HttpResponse<byte[]>> refused = new ArrayList<>();
      for (CompletableFuture<HttpResponse<byte[]>> c : calls) {
        if (c.isDone()) {
          refused.add(c.get());
        }
      }
      assertEquals(EXTRA, refused.size(), "exactly the requests over the bound answered early");
      for (HttpResponse<byte[]> r : refused) {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(503, r.statusCode(), body);
        assertTrue(
            r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
            r.headers().map().toString());
        JsonNode error = json.readTree(body);
        assertEquals("overloaded", error.get("error").asText(), body);
        assertEquals(BOUND, error.get("max_waiting").asInt(), body);
        long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElse("-1"));
        assertTrue(retryAfter >= 1 && retryAfter <= RemoveAdmission.MAX_RETRY_AFTER_S, body);
      }
      // nothing stored or published for the refused ones
      assertEquals(BOUND, api.published().size());
      assertEquals(BOUND, api.stored.get());
      assertEquals(EXTRA, api.registry.counter("ingest.remove.refused").getCount());
      assertEquals(BOUND, api.registry.getGauges().get("ingest.remove.waiting").getValue());

      // the waiting ones were not disturbed: each gets its cutout when its result arrives
      for (JobRequest job : api.published()) {
        api.finish(job);
      }
      List<String> answeredIds = new ArrayList<>();
      for (CompletableFuture<HttpResponse<byte[]>> c : calls) {
        HttpResponse<byte[]> r = c.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (r.statusCode() == 503) {
          continue;
        }
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(InProcessApi.PNG, r.body());
        answeredIds.add(r.headers().firstValue("X-Cutflow-Job-Id").orElseThrow());
      }
      assertEquals(
          api.published().stream().map(JobRequest::jobId).sorted().toList(),
          answeredIds.stream().sorted().toList());
      assertEquals(0, api.registry.getGauges().get("ingest.remove.waiting").getValue());

      // the slots are free again: the next request is admitted and queued
      CompletableFuture<HttpResponse<byte[]>> next =
          http.sendAsync(
              Multipart.post(api.url("/api/remove"), InProcessApi.PNG),
              HttpResponse.BodyHandlers.ofByteArray());
      await("the next job queued", () -> api.published().size() == BOUND + 1);
      assertFalse(next.isDone(), "admitted: waiting for its result");
      api.finish(api.published().get(BOUND));
      assertEquals(200, next.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode());
    }
  }

  @Test
  void anObjectStoreOutageIs503WithRetryAfterAndGivesTheSlotBack() throws Exception {
    try (InProcessApi api = new InProcessApi(InProcessApi.settings(1, ""))) {
      api.s3Down.set(true);
      HttpResponse<String> down =
          http.send(
              Multipart.post(api.url("/api/remove"), InProcessApi.PNG),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, down.statusCode(), down.body());
      assertEquals("storage_unavailable", json.readTree(down.body()).get("error").asText());
      assertTrue(down.headers().firstValue("Retry-After").isPresent(), down.headers().toString());
      assertEquals(0, api.published().size(), "nothing queued without its image");

      // right after the outage the next request is refused at once (DependencyBreaker), and the
      // one waiting slot was given back: a request is admitted once S3 is back and the breaker's
      // probe wait has passed
      api.s3Down.set(false);
      HttpResponse<String> refused =
          http.send(
              Multipart.post(api.url("/api/remove"), InProcessApi.PNG),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("the object store is not taking images"), refused.body());
      Thread.sleep(DependencyBreaker.PROBE_AFTER.toMillis() + 200);
      CompletableFuture<HttpResponse<byte[]>> next =
          http.sendAsync(
              Multipart.post(api.url("/api/remove"), InProcessApi.PNG),
              HttpResponse.BodyHandlers.ofByteArray());
      await("the job queued", () -> api.published().size() == 1);
      api.finish(api.published().get(0));
      assertEquals(200, next.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode());
    }
  }

  @Test
  void v1JobsIsAcceptedAndReportsTheQueueDepth() throws Exception {
    try (InProcessApi api = new InProcessApi(InProcessApi.settings(1, ""))) {
      for (int expected = 1; expected <= 3; expected++) {
        HttpResponse<String> r =
            http.send(
                Multipart.post(api.url("/v1/jobs"), InProcessApi.PNG),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
        assertEquals(expected, json.readTree(r.body()).get("queue_depth").asInt(), r.body());
        assertEquals(
            String.valueOf(expected), r.headers().firstValue("X-Cutflow-Queue-Depth").orElse(""));
      }
      api.finish(api.published().get(0));
      HttpResponse<String> r =
          http.send(
              Multipart.post(api.url("/v1/jobs"), InProcessApi.PNG),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(3, json.readTree(r.body()).get("queue_depth").asInt(), r.body());
    }
  }

  @Test
  void retryAfterIsQueueDepthOverCompletionRateBounded() {
    assertEquals(20, RemoveAdmission.retryAfterSeconds(10, 0.5));
    assertEquals(4, RemoveAdmission.retryAfterSeconds(7, 2.0));
    assertEquals(1, RemoveAdmission.retryAfterSeconds(0, 0.5));
    assertEquals(RemoveAdmission.MAX_RETRY_AFTER_S, RemoveAdmission.retryAfterSeconds(1000, 0.5));
    assertEquals(RemoveAdmission.MAX_RETRY_AFTER_S, RemoveAdmission.retryAfterSeconds(3, 0));
  }

  @Test
  void withoutMeasuredCompletionsTheRateTheBoundWasSizedForIsAssumed() {
    // 30 waiting over a 60 s timeout = 0.5/s: 12 queued -> 24 s
    RemoveAdmission admission =
        new RemoveAdmission(30, Duration.ofSeconds(60), () -> 12, () -> 0.0);
    assertEquals(24, admission.retryAfterSeconds());
    RemoveAdmission measured = new RemoveAdmission(30, Duration.ofSeconds(60), () -> 12, () -> 4.0);
    assertEquals(3, measured.retryAfterSeconds());
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
