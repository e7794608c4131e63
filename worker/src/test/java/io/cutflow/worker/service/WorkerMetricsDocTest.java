package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.ops.Metrics;
import io.cutflow.common.ops.MetricsDoc;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a worker process serves on /metrics is what docs/metrics.md says, both ways. */
class WorkerMetricsDocTest {
  private static JobResult result(JobResult.Status status, FailureCode code) {
    return new JobResult(
        null,
        "job-1",
        status,
        code == null ? null : new JobResult.Failure(code, "x"),
        null,
        null,
        new JobResult.Image(1000, 500),
        "u2net",
        "w-0",
        1,
        null,
        null,
        null,
        null,
        List.of());
  }

  @Test
  void workerMetricsAsDocumented() throws Exception {
    MetricRegistry registry = Metrics.isolated(true).registry();
    WorkerMetrics metrics = new WorkerMetrics(registry);
    metrics.gauges(() -> 1, () -> 2);
    metrics.dependencyWaiting("object_store", () -> 0);
    metrics.startWaiting("kafka", () -> 0);
    metrics.startWaiting("object_store", () -> 1);
    metrics.stage("inference", 12.5);
    metrics.finished(result(JobResult.Status.OK, null), 1);
    metrics.finished(result(JobResult.Status.FAILED, FailureCode.NOT_AN_IMAGE), 2);
    metrics.partitionLag(Map.of(0, 3L, 1, 0L));

    String scrape = MetricsDoc.scrape(registry);
    List<String> problems =
        MetricsDoc.mismatches(
            MetricsDoc.read(Path.of("..", "docs", "metrics.md")), scrape, "worker", "all");
    assertEquals(List.of(), problems, scrape);
    assertTrue(
        scrape.contains("cutflow_worker_failures_total{code=\"not_an_image\",} 1.0"), scrape);
    assertTrue(
        scrape.contains("cutflow_worker_results_total{model=\"u2net\",status=\"ok\",} 1.0"),
        scrape);
    assertTrue(scrape.contains("cutflow_worker_input_pixels_total 1000000.0"), scrape);
    assertTrue(
        scrape.contains("cutflow_worker_start_waiting{dependency=\"object_store\",} 1.0"), scrape);
    assertTrue(scrape.contains("cutflow_worker_consumer_lag{partition=\"0\",} 3.0"), scrape);
  }

  @Test
  void aPartitionNoLongerAssignedLosesItsLagSeries() {
    MetricRegistry registry = new MetricRegistry();
    WorkerMetrics metrics = new WorkerMetrics(registry);
    metrics.partitionLag(Map.of(0, 3L, 1, 4L));
    metrics.partitionLag(Map.of(1, 5L));
    String scrape = MetricsDoc.scrape(registry);
    assertFalse(scrape.contains("partition=\"0\""), scrape);
    assertTrue(scrape.contains("cutflow_worker_consumer_lag{partition=\"1\",} 5.0"), scrape);
  }
}
