package io.cutflow.common.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(OpsServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.url() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthReadinessAndMetricsOverHttp() throws Exception {
    MetricRegistry registry = Metrics.isolated(true).registry();
    registry.counter("worker.images").inc(3);
    registry.timer("worker.stage.inference").update(java.time.Duration.ofMillis(12));
    AtomicBoolean ready = new AtomicBoolean(false);
    try (OpsServer server =
        OpsServer.start("127.0.0.1", 0, registry, ready::get, () -> "model warming up")) {
      assertTrue(server.port() > 0);

      HttpResponse<String> health = get(server, "/healthz");
      assertEquals(200, health.statusCode());

      HttpResponse<String> notReady = get(server, "/readyz");
      assertEquals(503, notReady.statusCode());
      assertTrue(notReady.body().contains("\"reason\":\"model warming up\""), notReady.body());

      ready.set(true);
      assertEquals(200, get(server, "/readyz").statusCode());

      HttpResponse<String> metrics = get(server, "/metrics");
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      String body = metrics.body();
      assertTrue(body.contains("worker_images 3.0"), body);
      assertTrue(body.contains("worker_stage_inference_count 1.0"), body);
      assertTrue(body.contains("jvm_memory_heap_used"), body);
      assertTrue(body.contains("jvm_threads_count"), body);

      // a second server in the same JVM has its own Prometheus registry: no duplicate-collector
      // clash
      try (OpsServer second = OpsServer.start("127.0.0.1", 0, registry, () -> true, () -> "")) {
        assertTrue(second.port() != server.port());
        assertEquals(200, get(second, "/metrics").statusCode());
      }
    }
  }

  @Test
  void failingReadinessCheckIs503() throws Exception {
    try (OpsServer server =
        OpsServer.start(
            "127.0.0.1",
            0,
            new MetricRegistry(),
            () -> {
              throw new IllegalStateException("boom \"quoted\"");
            },
            () -> "x")) {
      HttpResponse<String> r = get(server, "/readyz");
      assertEquals(503, r.statusCode());
      assertTrue(r.body().contains("boom \\\"quoted\\\""), r.body());
    }
  }

  @Test
  void processMetricsAreOneRegistry() {
    assertSame(Metrics.process().registry(), Metrics.process().registry());
    assertNotSame(Metrics.process().registry(), Metrics.isolated(false).registry());
    assertTrue(
        Metrics.process().registry().getGauges().keySet().stream()
            .anyMatch(n -> n.startsWith("jvm.gc")));
  }
}
