package io.cutflow.worker.supervisor;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers a warming standby's CPU priority ({@link StandbyPriority}) and restores it, retrying
 * writes the kernel refused. Supervisor thread only.
 */
final class StandbyLowering {
  private static final Logger log = LoggerFactory.getLogger(StandbyLowering.class);

  private final StandbyPriority priority;
  private final ScheduledExecutorService loop;

  StandbyLowering(StandbyPriority priority, ScheduledExecutorService loop) {
    this.priority = priority;
    this.loop = loop;
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
}
