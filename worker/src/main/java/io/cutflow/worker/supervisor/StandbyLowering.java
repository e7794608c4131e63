package io.cutflow.worker.supervisor;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers a warming standby's CPU priority ({@link StandbyPriority}) and restores it, retrying
 * writes the kernel refused, and decides when a standby that is still warming must compete at
 * normal priority after all. Supervisor thread only.
 */
final class StandbyLowering {
  private static final Logger log = LoggerFactory.getLogger(StandbyLowering.class);

  private final StandbyPriority priority;
  private final ScheduledExecutorService loop;
  private final SupervisorSettings settings;
  private final SupervisorTally tally;

  StandbyLowering(
      StandbyPriority priority,
      ScheduledExecutorService loop,
      SupervisorSettings settings,
      SupervisorTally tally) {
    this.priority = priority;
    this.loop = loop;
    this.settings = settings;
    this.tally = tally;
  }

  boolean available() {
    return priority.available();
  }

  /**
   * Lowers ({@code low}) or restores {@code w}'s priority; {@code active} says whether it is (by
   * now) its slot's active worker (never lowered, nor once ready). A write fails while the child
   * has not yet become a session leader, and unprivileged writes are rate-limited by the kernel
   * (one per 100 ms, machine-wide), so a failed one is retried for about a second.
   */
  void set(SupervisedWorker w, boolean low, BooleanSupplier active) {
    set(w, low, active, 1);
  }

  private void set(SupervisedWorker w, boolean low, BooleanSupplier active, int attempt) {
    if (!w.process.handle().isAlive()
        || w.lowered == low
        || (low && (w.ready || active.getAsBoolean()))) {
      return;
    }
    try {
      if (low) {
        priority.lower(w.pid());
      } else {
        priority.restore(w.pid());
      }
      w.lowered = low;
    } catch (IOException e) {
      if (attempt < 25) {
        loop.schedule(() -> set(w, low, active, attempt + 1), 40, TimeUnit.MILLISECONDS);
      } else {
        log.atWarn()
            .setMessage("could not change a worker's CPU priority")
            .addKeyValue("slot", w.slot)
            .addKeyValue("pid", w.pid())
            .addKeyValue("nice", low ? priority.nice() : 0)
            .addKeyValue("error", e.toString())
            .log();
      }
    }
  }

  /** Within a fifth of its quota (at least one image), a worker's successor should be ready. */
  static boolean nearQuota(long finished, int recycleAfter) {
    return recycleAfter > 0 && finished >= recycleAfter - Math.max(1, recycleAfter / 5);
  }

  /**
   * Why the active worker, having finished {@code finished} images at {@code rss} bytes, is about
   * to leave ("quota", "rss"), or null while it is not: near its image quota, or within a tenth of
   * its memory limit.
   */
  String leavingSoon(long finished, long rss) {
    if (nearQuota(finished, settings.recycleAfter())) {
      return "quota";
    }
    long limit = settings.maxRssMb() * 1024 * 1024;
    return limit > 0 && rss > limit * 9 / 10 ? "rss" : null;
  }

  /**
   * A standby still warming when its predecessor is near its quota (or gone) competes at normal
   * priority from then on: late is worse than slow.
   */
  void boostIfLate(SupervisedWorker standby, String why) {
    if (standby != null && standby.lowered && !standby.ready) {
      tally.standbyBoost();
      log.atInfo()
          .setMessage("standby not warm yet; back to normal priority")
          .addKeyValue("slot", standby.slot)
          .addKeyValue("pid", standby.pid())
          .addKeyValue("why", why)
          .log();
      set(standby, false, () -> false);
    }
  }
}
