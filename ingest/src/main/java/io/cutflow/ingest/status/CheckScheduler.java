package io.cutflow.ingest.status;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the status store's offset checks off the caller's thread: {@code task} after {@code delay}.
 */
interface CheckScheduler {
  void schedule(Runnable task, Duration delay);

  /** On {@code executor}; once it is shut down (the service closing), nothing more runs. */
  static CheckScheduler on(ScheduledExecutorService executor) {
    return (task, delay) -> {
      try {
        executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        // no more checks
      }
    };
  }
}
