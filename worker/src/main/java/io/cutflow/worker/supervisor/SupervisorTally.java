package io.cutflow.worker.supervisor;

import com.codahale.metrics.MetricRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
  private long crashes;
  private long started;

  SupervisorTally(MetricRegistry registry) {
    this.registry = registry;
    registry.counter("cutflow.supervisor.crashes");
    registry.counter("cutflow.supervisor.standby-boosts");
  }

  void started() {
    started++;
  }

  void crash() {
    crashes++;
    registry.counter("cutflow.supervisor.crashes").inc();
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
    registry.histogram("cutflow.supervisor.warm-up-cpu-ms").update(cpuMs);
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
        recycles, crashes, started, gaps, slots, retired, assignments, warmUpCpu, suspects);
  }
}
