package io.cutflow.worker.service;

import io.cutflow.common.ops.StartupWait;
import io.cutflow.common.store.ObjectMissingException;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.common.store.ObjectStoreException;
import io.cutflow.common.store.ObjectTooLargeException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds jobs through an object-store outage instead of failing them. The store's own retries
 * ({@code cutflow.s3.retry.*}) cover a second or two; a store restarting for longer used to turn
 * every job a worker touched meanwhile into {@code storage_failed} and a dead letter.
 *
 * <p>A call that fails after those retries is the store's outage when the store does not answer a
 * probe either (the worker's cutouts bucket, which it must always reach), and the job's own failure
 * when the call fails again while the store answers (its object or bucket refused: {@code
 * storage_failed}, as before, so one bad object cannot hold a partition). Through an outage the
 * call is tried again, waiting {@link #FIRST_WAIT}, then twice as long each time up to {@link
 * #MAX_WAIT}, for as long as the outage lasts: the records stay uncommitted, the poll loop stops
 * fetching once the pipeline is full, and {@code /readyz} says what the worker waits for.
 * Thread-safe.
 */
final class StoreOutage {
  private static final Logger log = LoggerFactory.getLogger(StoreOutage.class);

  // the pace of a start waiting for its dependencies: one way of waiting for one
  static final Duration FIRST_WAIT = StartupWait.FIRST_WAIT;
  static final Duration MAX_WAIT = StartupWait.MAX_WAIT;

  private final BooleanSupplier storeAnswers;
  private final Duration firstWait;
  private final Duration maxWait;
  private final LongSupplier nanoTime;
  private final AtomicInteger waiting = new AtomicInteger();
  private volatile long since;
  private volatile String lastError;

  /**
   * @param storeAnswers the probe: true when the store answers a call the worker must always be
   *     able to make
   */
  StoreOutage(BooleanSupplier storeAnswers) {
    this(storeAnswers, FIRST_WAIT, MAX_WAIT, System::nanoTime);
  }

  /** Probing {@code store} for the bucket every cutout of this worker goes to. */
  static StoreOutage probing(ObjectStore store, String cutoutsBucket) {
    return new StoreOutage(
        () -> {
          try {
            store.bucketExists(cutoutsBucket);
            return true;
          } catch (ObjectMissingException e) {
            return true; // an answer all the same
          } catch (ObjectStoreException e) {
            return false;
          }
        });
  }

  StoreOutage(
      BooleanSupplier storeAnswers, Duration firstWait, Duration maxWait, LongSupplier nanoTime) {
    this.storeAnswers = storeAnswers;
    this.firstWait = firstWait;
    this.maxWait = maxWait;
    this.nanoTime = nanoTime;
  }

  /**
   * Runs {@code call} for the job on {@code input}, again and again while the store is out.
   *
   * @throws ObjectStoreException the job's own failure: the store answers the probe
   * @throws InterruptedException the worker is stopping; the record stays uncommitted
   */
  <T> T call(String input, Supplier<T> call) throws InterruptedException {
    long wait = firstWait.toMillis();
    boolean held = false;
    boolean answered = false;
    try {
      while (true) {
        try {
          return call.get();
        } catch (ObjectMissingException | ObjectTooLargeException e) {
          throw e; // answers about the object itself
        } catch (ObjectStoreException e) {
          if (Thread.interrupted()) {
            throw new InterruptedException(input + ": stopping during an object-store call");
          }
          if (storeAnswers.getAsBoolean()) {
            if (answered) {
              throw e; // failed twice while the store answered: the object's own failure
            }
            answered = true; // the store may have come back since the call: once more
            continue;
          }
          answered = false;
          lastError = e.getMessage();
          if (!held) {
            held = true;
            hold(input, e);
          }
          Thread.sleep(wait);
          wait = Math.min(wait * 2, maxWait.toMillis());
        }
      }
    } finally {
      if (held) {
        release(input);
      }
    }
  }

  private void hold(String input, ObjectStoreException e) {
    if (waiting.getAndIncrement() == 0) {
      since = nanoTime.getAsLong();
      log.atWarn()
          .setMessage("object store unavailable; holding jobs until it answers")
          .addKeyValue("input", input)
          .addKeyValue("error", e.getMessage())
          .log();
    } else {
      log.atDebug().setMessage("job held for the object store").addKeyValue("input", input).log();
    }
  }

  private void release(String input) {
    if (waiting.decrementAndGet() == 0) {
      log.atInfo()
          .setMessage("object store answers again; held jobs go on")
          .addKeyValue("input", input)
          .addKeyValue("held_ms", (nanoTime.getAsLong() - since) / 1_000_000)
          .log();
    }
  }

  /** Jobs waiting for the store now. */
  int waiting() {
    return waiting.get();
  }

  /** Why {@code /readyz} fails while jobs wait for the store; null when none does. */
  String reason() {
    int n = waiting.get();
    if (n == 0) {
      return null;
    }
    return "waiting for the object store: "
        + n
        + " job(s) held for "
        + (nanoTime.getAsLong() - since) / 1_000_000_000
        + " s, neither failed nor committed; last error: "
        + lastError
        + ". Fix: bring back the store at cutflow.s3.endpoint (the worker's cutouts bucket must"
        + " answer); the jobs go on by themselves";
  }
}
