package io.cutflow.worker.supervisor;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of what a {@link RecyclingSupervisor} has done.
 *
 * @param recyclesByReason planned replacements by reason ({@code count}, {@code rss})
 * @param crashes workers that exited otherwise (killed, fatal error, failed to start)
 * @param workersStarted worker processes started in all
 * @param handoverGapsMs per recycle: the new worker's first record − the old worker's last commit
 * @param slots each slot now
 * @param retired every worker process that has exited, in order
 * @param assignments every partition assignment / revocation any worker reported, in order
 * @param warmUpCpuMs per worker process: CPU time (all its threads) from start to READY — what a
 *     standby takes from the cores the active workers use, once per recycle
 * @param suspects records that were in flight in a worker that crashed, oldest crash first (see
 *     {@link PoisonLedger})
 */
public record SupervisorStats(
    Map<String, Long> recyclesByReason,
    long crashes,
    long workersStarted,
    List<Long> handoverGapsMs,
    List<SlotState> slots,
    List<RetiredWorker> retired,
    List<AssignmentEvent> assignments,
    List<Long> warmUpCpuMs,
    List<Long> startToReadyMs,
    List<Suspect> suspects) {
  public SupervisorStats {
    recyclesByReason = Map.copyOf(recyclesByReason);
    handoverGapsMs = List.copyOf(handoverGapsMs);
    slots = List.copyOf(slots);
    retired = List.copyOf(retired);
    assignments = List.copyOf(assignments);
    warmUpCpuMs = List.copyOf(warmUpCpuMs);
    startToReadyMs = List.copyOf(startToReadyMs);
    suspects = List.copyOf(suspects);
  }

  /** Without suspects. */
  public SupervisorStats(
      Map<String, Long> recyclesByReason,
      long crashes,
      long workersStarted,
      List<Long> handoverGapsMs,
      List<SlotState> slots,
      List<RetiredWorker> retired,
      List<AssignmentEvent> assignments,
      List<Long> warmUpCpuMs) {
    this(
        recyclesByReason,
        crashes,
        workersStarted,
        handoverGapsMs,
        slots,
        retired,
        assignments,
        warmUpCpuMs,
        List.of(),
        List.of());
  }

  /**
   * Mean CPU time a worker process spent getting ready (JVM, model load, warm-up), or -1 when none.
   */
  public long meanWarmUpCpuMs() {
    return warmUpCpuMs.isEmpty()
        ? -1
        : Math.round(warmUpCpuMs.stream().mapToLong(Long::longValue).average().orElse(0));
  }

  public long recycles() {
    return recyclesByReason.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The {@code p}-th percentile (0–100, nearest rank) of the handover gaps, or -1 when none. */
  public long handoverGapPercentile(double p) {
    if (handoverGapsMs.isEmpty()) {
      return -1;
    }
    List<Long> sorted = handoverGapsMs.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /** One line for a run summary. */
  public String summary() {
    return "recycles "
        + recycles()
        + " "
        + recyclesByReason
        + ", crashes "
        + crashes
        + ", workers started "
        + workersStarted
        + (handoverGapsMs.isEmpty()
            ? ""
            : ", handover gap p50 "
                + handoverGapPercentile(50)
                + " ms, p95 "
                + handoverGapPercentile(95)
                + " ms (n="
                + handoverGapsMs.size()
                + ")")
        + (warmUpCpuMs.isEmpty() ? "" : ", warm-up CPU per worker " + meanWarmUpCpuMs() + " ms")
        + (suspects.isEmpty() ? "" : ", records in flight at a crash " + suspects.size());
  }

  /** A slot now: its active and standby processes (pid -1 where none). */
  public record SlotState(
      int slot,
      String groupInstanceId,
      long activePid,
      long standbyPid,
      boolean standbyReady,
      long activeRssBytes) {}

  /**
   * A worker process that exited. {@code reason}: RECYCLE_COUNT, RECYCLE_RSS, STOPPED, FATAL or
   * CRASHED. {@code signal}: what killed it (exit code − 128 for 129..159, e.g. 9 for 137), else 0;
   * {@code crash}: for an exit without {@code EXIT} outside shutdown, its exit code, signal and
   * last log line in words, else empty.
   */
  public record RetiredWorker(
      int slot,
      int serial,
      long pid,
      String reason,
      int exitCode,
      long finished,
      long lastCommitMs,
      long firstRecordMs,
      long peakRssBytes,
      int signal,
      String crash) {}

  /**
   * A record that was in flight in {@code crashes} workers that died (see {@link PoisonLedger});
   * {@code lastCrash} in words.
   */
  public record Suspect(
      int partition, long offset, int crashes, int exitCode, int signal, String lastCrash) {}

  /** A worker's ASSIGNED or REVOKED report. */
  public record AssignmentEvent(
      long atMs,
      int slot,
      int serial,
      long pid,
      boolean revoked,
      int generation,
      List<Integer> partitions) {}
}
