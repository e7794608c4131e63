package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.ops.Metrics;
import io.cutflow.common.ops.MetricsDoc;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the ingest serves on /metrics is what docs/metrics.md says, both ways. */
class HttpMetricsDocTest {
  @Test
  void ingestMetricsAsDocumented() throws Exception {
    HttpMetrics metrics = new HttpMetrics(Metrics.isolated(true).registry());
    metrics.gauges(() -> 0, () -> 3, () -> 4096, () -> true);
    metrics.dependency("kafka", () -> true);
    metrics.dependency("object_store", () -> false);
    metrics.startWaiting("kafka", () -> 0);
    metrics.startWaiting("object_store", () -> 1);
    metrics.request("post_v1_jobs", 202, 5_000_000);
    metrics.request("post_v1_jobs", 415, 1_000_000);
    metrics.upload(2048);
    metrics.timeToResult(1500);
    metrics.removeTimeout();
    metrics.removeRefused();

    String scrape = metrics.scrape();
    List<String> problems =
        MetricsDoc.mismatches(
            MetricsDoc.read(Path.of("..", "docs", "metrics.md")), scrape, "ingest", "all");
    assertEquals(List.of(), problems, scrape);
    assertTrue(
        scrape.contains(
            "cutflow_ingest_http_requests_total{route=\"post_v1_jobs\",status=\"415\",} 1.0"),
        scrape);
    assertTrue(scrape.contains("cutflow_ingest_upload_bytes_total 2048.0"), scrape);
    assertTrue(scrape.contains("cutflow_ingest_ready 1.0"), scrape);
    assertTrue(scrape.contains("cutflow_ingest_upload_memory_bytes 4096.0"), scrape);
    assertTrue(
        scrape.contains("cutflow_ingest_dependency_refusing{dependency=\"kafka\",} 1.0"), scrape);
    assertTrue(
        scrape.contains("cutflow_ingest_dependency_refusing{dependency=\"object_store\",} 0.0"),
        scrape);
    assertTrue(
        scrape.contains("cutflow_ingest_start_waiting{dependency=\"object_store\",} 1.0"), scrape);
  }
}
