package io.cutflow.worker.supervisor;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What the supervisor counts, kept for {@link SupervisorStats} and mirrored in its metric registry.
 * Supervisor thread only.
 */
final class SupervisorTally {
  private final MetricRegistry registry;
  private final Map<String, Long> recycles = new LinkedHashMap<>();
  private final List<Long> gaps = new ArrayList<>();
  private final List<SupervisorStats.RetiredWorker> retired = new ArrayList<>();
  private final List<SupervisorStats.AssignmentEvent> assignments = new ArrayList<>();
  private final List<Long> warmUpCpu = new ArrayList<>();
  private final List<Long> startToReady = new ArrayList<>();
  private long crashes;
  private long started;

  SupervisorTally(MetricRegistry registry) {
    this.registry = registry;
    registry.counter("cutflow.supervisor.crashes");
    registry.counter("cutflow.supervisor.standby-boosts");
    // present from the start, so rates and alerts have a series before the first event
    registry.counter("cutflow.supervisor.recycles.count");
    registry.counter("cutflow.supervisor.recycles.rss");
    registry.timer("cutflow.supervisor.handover-gap");
    registry.timer("cutflow.supervisor.warm-up-cpu");
    registry.timer("cutflow.supervisor.start-to-ready");
  }

  void started() {
    started++;
  }

  void crash(int slot) {
    crashes++;
    registry.counter("cutflow.supervisor.crashes").inc();
    registry.counter("cutflow.supervisor.slot." + slot + ".crashes").inc();
  }

  /**
   * Per slot: its crash counter (at 0) and the RSS of its active worker; and the RSS ceiling every
   * worker is recycled at ({@code maxRssMb}, 0 = none).
   */
  static void slotMetrics(MetricRegistry registry, int slot, LongSupplier rss, long maxRssMb) {
    registry.counter("cutflow.supervisor.slot." + slot + ".crashes");
    registry.register("cutflow.supervisor.worker.rss." + slot, (Gauge<Long>) rss::getAsLong);
    if (!registry.getGauges().containsKey("cutflow.supervisor.worker.rss-limit")) {
      registry.register(
          "cutflow.supervisor.worker.rss-limit", (Gauge<Long>) () -> maxRssMb * 1024 * 1024);
    }
  }

  /** A planned recycle; {@code key} is "count" or "rss". */
  void recycle(String key) {
    recycles.merge(key, 1L, Long::sum);
    registry.counter("cutflow.supervisor.recycles." + key).inc();
  }

  void standbyBoost() {
    registry.counter("cutflow.supervisor.standby-boosts").inc();
  }

  void warmUpCpu(long cpuMs) {
    warmUpCpu.add(cpuMs);
    registry.timer("cutflow.supervisor.warm-up-cpu").update(cpuMs, TimeUnit.MILLISECONDS);
  }

  void startToReady(long wallMs) {
    startToReady.add(wallMs);
    registry.timer("cutflow.supervisor.start-to-ready").update(wallMs, TimeUnit.MILLISECONDS);
  }

  void handoverGap(long gapMs) {
    gaps.add(gapMs);
    registry.timer("cutflow.supervisor.handover-gap").update(gapMs, TimeUnit.MILLISECONDS);
  }

  void retired(SupervisorStats.RetiredWorker worker) {
    retired.add(worker);
  }

  void assignment(SupervisorStats.AssignmentEvent event) {
    assignments.add(event);
  }

  SupervisorStats snapshot(
      List<SupervisorStats.SlotState> slots, List<SupervisorStats.Suspect> suspects) {
    return new SupervisorStats(
        recycles,
        crashes,
        started,
        gaps,
        slots,
        retired,
        assignments,
        warmUpCpu,
        startToReady,
        suspects);
  }
}
