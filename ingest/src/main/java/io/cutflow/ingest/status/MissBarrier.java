package io.cutflow.ingest.status;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether a job missing from the status store may still be on its way to it, asked at the moment of
 * the miss. A job accepted a moment ago by another ingest instance, or produced to the jobs topic
 * by another service, waits on the jobs topic, then on the repartition topic, until the instance
 * that holds its status reads it; asked there before that, the job is not "unknown" (404) but not
 * read yet. So a miss waits until the application has read what its inputs held when the job was
 * looked for ({@link ReadUpTo}); a job still missing then is unknown.
 *
 * <p>Misses share checks: one round of checks runs at a time, and the misses that come while it
 * runs wait for the next round, which reads the inputs' ends after them. A burst of lookups for
 * wrong ids costs two rounds, not one per lookup. A round gives up after {@link #MAX_WAIT}, with
 * what was left to read, so a miss waits at most about twice that.
 */
final class MissBarrier {
  /** Two commit intervals (1 s each: sources, then repartition topic) and some slack. */
  static final Duration MAX_WAIT = Duration.ofSeconds(3);

  static final Duration RECHECK = Duration.ofMillis(100);

  private final Supplier<ReadUpTo> readUpTo;
  private final CheckScheduler scheduler;
  private final LongSupplier nanoClock;

  // guarded by this
  private Round running;
  private Round queued;

  /** One round of checks; its answer: empty once read up to its targets, else what was left. */
  private final class Round {
    final CompletableFuture<Optional<String>> answer = new CompletableFuture<>();
    final ReadUpTo progress = readUpTo.get();
    long startedAt;
  }

  /**
   * @param readUpTo a new check of what the inputs hold now
   */
  MissBarrier(Supplier<ReadUpTo> readUpTo, CheckScheduler scheduler, LongSupplier nanoClock) {
    this.readUpTo = readUpTo;
    this.scheduler = scheduler;
    this.nanoClock = nanoClock;
  }

  /**
   * Completes empty once the application has read everything its inputs held at this call, or with
   * what was still left to read when its round gave up.
   */
  synchronized CompletableFuture<Optional<String>> readUpToNow() {
    if (queued == null) {
      queued = new Round();
    }
    Round mine = queued;
    if (running == null) {
      startQueued();
    }
    return mine.answer;
  }

  /**
   * Waits, on the caller's thread, until the application has read everything its inputs held at
   * this call or {@code arrived} says the job is in the store (looked at every half {@link
   * #RECHECK}: it is usually there well before the group commits past it). Empty then; else why
   * not, after at most twice {@link #MAX_WAIT} and a half second.
   */
  Optional<String> await(BooleanSupplier arrived) {
    CompletableFuture<Optional<String>> readUpToNow = readUpToNow();
    long waitMs = 2 * MAX_WAIT.toMillis() + 500;
    long deadline = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    try {
      while (true) {
        try {
          return readUpToNow.get(RECHECK.toMillis() / 2, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          if (arrived.getAsBoolean()) {
            return Optional.empty();
          }
          if (nanoClock.getAsLong() > deadline) {
            return Optional.of(
                "the job-status application's offsets could not be read in " + waitMs + " ms");
          }
        }
      }
    } catch (ExecutionException e) {
      return Optional.of("cannot read the job-status application's offsets: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while reading the job-status application's offsets");
    }
  }

  // holding this
  private void startQueued() {
    Round r = queued;
    queued = null;
    running = r;
    r.startedAt = nanoClock.getAsLong();
    scheduler.schedule(() -> check(r), Duration.ZERO);
  }

  private void check(Round r) {
    Optional<String> left;
    try {
      left = r.progress.left();
    } catch (Exception e) {
      left = Optional.of("cannot read the job-status application's offsets: " + e);
    }
    if (left.isPresent() && nanoClock.getAsLong() - r.startedAt < MAX_WAIT.toNanos()) {
      scheduler.schedule(() -> check(r), RECHECK);
      return;
    }
    r.answer.complete(left);
    synchronized (this) {
      running = null;
      if (queued != null) {
        startQueued();
      }
    }
  }
}
