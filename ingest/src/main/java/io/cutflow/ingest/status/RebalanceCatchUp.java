package io.cutflow.ingest.status;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a job missing from the status store may still be on its way to it. After a rebalance of
 * the job-status application (an instance stopped, started or came back), the records that were on
 * its input topics at that moment may not have reached the store yet: a job accepted by an instance
 * that then stopped waits in the jobs topic, then in the repartition topic, until its new owner
 * reads it. Until then the owner must answer "retry" (503), not "unknown job" (404).
 *
 * <p>Measured with {@link ReadUpTo} from the rebalance on: the whole consumer group's committed
 * offsets against what the source topics, then the repartition topic, held. Committed offsets trail
 * processing by at most one commit interval, so the gate opens that much late, never early.
 *
 * <p>The offsets are read in the background from the rebalance on, every {@link #RECHECK} until the
 * group has caught up; a lookup only reads the last answer, so lookups never wait on a broker and
 * records produced after the rebalance (new traffic, not backlog) do not keep the gate shut.
 * Bounded: {@link #MAX_WAIT} after the rebalance a missing job is unknown again, however far the
 * group lags, so a stuck group cannot make every lookup of a wrong id a 503 for ever.
 */
final class RebalanceCatchUp {
  private static final Logger log = LoggerFactory.getLogger(RebalanceCatchUp.class);

  static final Duration MAX_WAIT = Duration.ofSeconds(60);
  static final Duration RECHECK = Duration.ofMillis(250);

  static final String CHECKING =
      "the job-status application is catching up after a rebalance; its offsets are being read";

  private final Supplier<ReadUpTo> readUpTo;
  private final CheckScheduler scheduler;
  private final LongSupplier nanoClock;

  // guarded by this; a check reads the offsets outside the lock and applies its answer only if no
  // rebalance came in between (generation). progress is null while the gate is open.
  private ReadUpTo progress;
  private long armedAt;
  private String reason;
  private long generation;

  /**
   * @param readUpTo a new check of what the inputs hold now
   */
  RebalanceCatchUp(Supplier<ReadUpTo> readUpTo, CheckScheduler scheduler, LongSupplier nanoClock) {
    this.readUpTo = readUpTo;
    this.scheduler = scheduler;
    this.nanoClock = nanoClock;
  }

  /**
   * A rebalance started or ended: what was on the inputs until now may not be in the store yet.
   * Starts checking at once, so the sources' targets are their ends now.
   */
  void rebalanced() {
    long gen;
    synchronized (this) {
      progress = readUpTo.get();
      armedAt = nanoClock.getAsLong();
      reason = null;
      gen = ++generation;
    }
    scheduler.schedule(() -> check(gen), Duration.ZERO);
  }

  /**
   * Why a job missing from the store may still arrive (the application is still reading what was on
   * its inputs at the last rebalance), or empty when a missing job is unknown. Reads no offsets.
   */
  synchronized Optional<String> pending() {
    if (progress == null || expired()) {
      return Optional.empty();
    }
    return Optional.of(reason != null ? reason : CHECKING);
  }

  private boolean expired() {
    return nanoClock.getAsLong() - armedAt > MAX_WAIT.toNanos();
  }

  /** One background check of generation {@code gen}; schedules the next while still behind. */
  private void check(long gen) {
    ReadUpTo p;
    synchronized (this) {
      if (gen != generation || progress == null) {
        return; // a newer rebalance has its own checks
      }
      if (expired()) {
        log.atWarn()
            .setMessage("job-status application still catching up after a rebalance; giving up")
            .addKeyValue("waited_s", MAX_WAIT.toSeconds())
            .addKeyValue("last", reason)
            .log();
        progress = null;
        return;
      }
      p = progress;
    }
    String left;
    try {
      left =
          p.left()
              .map(l -> "the job-status application is catching up after a rebalance: " + l)
              .orElse(null);
    } catch (Exception e) {
      left = "cannot read the job-status application's offsets: " + e;
    }
    synchronized (this) {
      if (gen != generation) {
        return;
      }
      progress = left == null ? null : p;
      reason = left;
    }
    if (left != null) {
      scheduler.schedule(() -> check(gen), RECHECK);
    } else {
      log.atInfo()
          .setMessage("job-status application caught up after a rebalance")
          .addKeyValue("ms", (nanoClock.getAsLong() - armedAt) / 1_000_000)
          .log();
    }
  }
}
