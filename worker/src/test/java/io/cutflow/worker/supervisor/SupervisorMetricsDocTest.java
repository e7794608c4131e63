package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.ops.MetricsDoc;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the supervisor serves on /metrics is what docs/metrics.md says, both ways. */
class SupervisorMetricsDocTest {
  @Test
  void supervisorMetricsAsDocumented() throws Exception {
    MetricRegistry registry = new MetricRegistry(); // up's supervisor registry: no JVM gauges
    SupervisorTally tally = new SupervisorTally(registry);
    new PoisonLedger(2, registry);
    SupervisorTally.slotMetrics(registry, 0, () -> 300L << 20, 1024);
    SupervisorTally.slotMetrics(registry, 1, () -> 0L, 1024);
    tally.crash(1);
    tally.recycle("rss");
    tally.handoverGap(120);
    tally.warmUpCpu(2500);
    tally.startToReady(3100);

    String scrape = MetricsDoc.scrape(registry);
    List<String> problems =
        MetricsDoc.mismatches(
            MetricsDoc.read(Path.of("..", "docs", "metrics.md")), scrape, "supervisor");
    assertEquals(List.of(), problems, scrape);
    assertTrue(scrape.contains("cutflow_supervisor_slot_crashes_total{slot=\"1\",} 1.0"), scrape);
    assertTrue(scrape.contains("cutflow_supervisor_slot_crashes_total{slot=\"0\",} 0.0"), scrape);
    assertTrue(scrape.contains("cutflow_supervisor_recycles_total{reason=\"rss\",} 1.0"), scrape);
    assertTrue(scrape.contains("cutflow_supervisor_worker_rss_limit_bytes 1.073741824E9"), scrape);
    assertTrue(
        scrape.contains("cutflow_supervisor_warm_up_cpu_seconds{quantile=\"0.5\",} 2.5"), scrape);
    assertTrue(
        scrape.contains("cutflow_supervisor_start_to_ready_seconds{quantile=\"0.5\",} 3.1"),
        scrape);
  }
}
