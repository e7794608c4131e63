package io.cutflow.ingest.status;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A scheduler and clock that a test moves by hand: checks run when the test's time reaches them.
 */
final class ManualChecks implements CheckScheduler {
  /** A check that was scheduled, due at a time of the test's clock. */
  private record Scheduled(Runnable task, long dueNanos) {}

  private final Deque<Scheduled> scheduled = new ArrayDeque<>();
  private long now = 1_000_000_000L;

  @Override
  public synchronized void schedule(Runnable task, Duration delay) {
    scheduled.add(new Scheduled(task, now + delay.toNanos()));
  }

  synchronized long nanoTime() {
    return now;
  }

  /** Runs the checks due by now, and those they schedule for now. */
  void runDue() {
    for (Runnable next = takeDue(); next != null; next = takeDue()) {
      next.run();
    }
  }

  /** Moves the clock on by {@code ms} and runs what is due. */
  void advanceMs(long ms) {
    synchronized (this) {
      now += ms * 1_000_000L;
    }
    runDue();
  }

  /** The first check due by now, taken off the schedule; null if none. */
  synchronized Runnable takeDue() {
    for (Scheduled s : scheduled) {
      if (s.dueNanos() <= now) {
        scheduled.remove(s);
        return s.task();
      }
    }
    return null;
  }

  synchronized boolean none() {
    return scheduled.isEmpty();
  }
}
