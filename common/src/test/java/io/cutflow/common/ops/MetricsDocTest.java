package io.cutflow.common.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md against a real {@link OpsServer}: the JVM families every process serves, and the
 * bucket bridge's and watcher's counters (registered here under the Dropwizard names their code
 * uses) come out under their documented names and labels.
 */
class MetricsDocTest {
  static final Path DOC = Path.of("..", "docs", "metrics.md");

  @Test
  void jvmAndBridgeMetricsServedAsDocumented() throws Exception {
    MetricRegistry registry = Metrics.isolated(true).registry();
    registry.counter("cutflow.bridge.events.published").inc();
    registry.counter("cutflow.bridge.events.skipped").inc(2);
    registry.counter("cutflow.bridge.cutout-names.named-apart").inc();
    registry.counter("cutflow.watch.files").inc();
    String scrape;
    try (OpsServer server = OpsServer.start("127.0.0.1", 0, registry, () -> true, () -> "")) {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(server.url() + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      scrape = r.body();
    }
    List<String> problems = MetricsDoc.mismatches(MetricsDoc.read(DOC), scrape, "all", "bridge");
    assertEquals(List.of(), problems, scrape);
    assertTrue(scrape.contains("cutflow_bridge_events_total{outcome=\"skipped\",} 2.0"), scrape);
    assertTrue(scrape.contains("# TYPE cutflow_watch_total counter"), scrape);
    assertTrue(
        scrape.contains("cutflow_bridge_cutout_names_total{what=\"named-apart\",} 1.0"), scrape);
  }

  @Test
  void anUndocumentedOrMissingMetricIsReported() throws Exception {
    MetricRegistry registry = new MetricRegistry();
    registry.counter("cutflow.worker.failures.bad_image").inc();
    registry.counter("some.new.thing").inc();
    List<String> problems =
        MetricsDoc.mismatches(MetricsDoc.read(DOC), MetricsDoc.scrape(registry), "worker");
    assertTrue(problems.contains("served but not documented in docs/metrics.md: some_new_thing"));
    assertTrue(
        problems.contains("documented for worker but not served: cutflow_worker_rss_bytes"),
        problems.toString());
    assertTrue(problems.stream().noneMatch(p -> p.contains("cutflow_worker_failures_total:")));
  }
}
