package io.cutflow.ingest.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many image bytes the ingest may hold in memory at once ({@code
 * cutflow.ingest.upload-memory-bytes}). An upload is read into the heap, then copied again on its
 * way to the object store, so without a bound a burst of large uploads — 12 of 30 MB against a 384
 * MiB heap — ends in {@code OutOfMemoryError}: 500s, or with {@code -XX:+ExitOnOutOfMemoryError}
 * (the container image's default) the whole server gone with every request in flight.
 *
 * <p>Each request reserves room for its body (its {@code Content-Length}, else the upload limit)
 * and for an image it fetches by URL (the upload limit) before reading anything, and gives it back
 * once its images are stored and queued. A request that does not fit waits, its body unread, up to
 * {@link #MAX_WAIT} in arrival order (a small one does not pass a large one waiting before it),
 * then gets 503 {@code overloaded} with {@code Retry-After}; so does one that finds {@link
 * #MAX_WAITING} requests waiting already, at once. One request larger than the whole budget
 * reserves all of it, and so runs alone.
 */
final class UploadBudget {
  /** How long a request waits for room before 503: uploads ahead of it usually take seconds. */
  static final Duration MAX_WAIT = Duration.ofSeconds(30);

  static final long RETRY_AFTER_S = 5;

  /**
   * Requests that may wait for room at once, each holding an HTTP thread (Jetty's pool has 250);
   * one more is refused at once.
   */
  static final int MAX_WAITING = 64;

  private final long budgetBytes;
  private final int totalKib;
  private final Semaphore kib;
  private final Duration maxWait;
  private final int maxWaiting;

  /** Room held by one request; closing it gives the room back (once). */
  interface Reservation extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * @param budgetBytes bytes of uploads held at once; 0 = a quarter of this JVM's maximum heap
   * @param maxWait how long a request waits for room
   * @param maxWaiting how many requests may wait at once ({@link #MAX_WAITING})
   */
  UploadBudget(long budgetBytes, Duration maxWait, int maxWaiting) {
    this.budgetBytes = budgetBytes > 0 ? budgetBytes : Runtime.getRuntime().maxMemory() / 4;
    // permits count KiB: a Semaphore counts in ints, and budgets of several GiB are usual
    this.totalKib = (int) Math.max(1, Math.min(Integer.MAX_VALUE, this.budgetBytes >> 10));
    this.kib = new Semaphore(totalKib, true);
    this.maxWait = maxWait;
    this.maxWaiting = maxWaiting;
  }

  /** The budget in effect, in bytes. */
  long budgetBytes() {
    return budgetBytes;
  }

  /** Bytes reserved by requests now. */
  long reservedBytes() {
    return (long) (totalKib - kib.availablePermits()) << 10;
  }

  /**
   * Room for {@code bytes} of images, waiting up to the budget's wait for it.
   *
   * @throws ApiError 503 {@code overloaded} when it did not come in time
   */
  Reservation reserve(long bytes) {
    int permits = (int) Math.max(1, Math.min(totalKib, (bytes + 1023) >> 10));
    boolean got = false;
    // the timed try keeps arrival order; the untimed one would pass the requests already waiting
    if (kib.getQueueLength() < maxWaiting) {
      try {
        got = kib.tryAcquire(permits, maxWait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!got) {
      throw new ApiError(
          503,
          "overloaded",
          "the uploads in progress fill this instance's upload memory ("
              + budgetBytes
              + " bytes, cutflow.ingest.upload-memory-bytes) and none finished within "
              + maxWait.toSeconds()
              + " s, or "
              + maxWaiting
              + " requests wait for room already; retry after "
              + RETRY_AFTER_S
              + " s, or send fewer or smaller images at once",
          Map.of("upload_memory_bytes", budgetBytes, "requested_bytes", bytes),
          RETRY_AFTER_S);
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        kib.release(permits);
      }
    };
  }
}
