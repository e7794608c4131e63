package io.cutflow.ingest.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/**
 * Admission control for {@code POST /api/remove}, which holds its request open until the cutout is
 * made: at most {@code cutflow.ingest.max-waiting-removes} wait at once. One more is refused at the
 * door with 503 and {@code Retry-After}, before its body is read, stored or queued: a burst beyond
 * what the workers can finish within the timeout would otherwise only turn into 504s after a minute
 * each, and every client retry would add to the pile.
 *
 * <p>503 rather than 429: the limit is the service's capacity, not a quota of the caller (429 says
 * "you sent too many"); both carry {@code Retry-After}, and HTTP clients that retry (e.g. urllib3's
 * {@code Retry}) honour it on 503.
 */
final class RemoveAdmission {
  /** Longest {@code Retry-After} we send: past a minute the estimate is not worth much. */
  static final long MAX_RETRY_AFTER_S = 60;

  private final int maxWaiting;
  private final Semaphore slots;
  private final IntSupplier queued;
  private final DoubleSupplier completionsPerSecond;
  private final double nominalPerSecond;

  /**
   * @param queued jobs this instance has queued without a result yet (the queue ahead of a client)
   * @param completionsPerSecond recent rate at which this instance's jobs complete; 0 = unknown
   * @param timeout {@code cutflow.ingest.remove-timeout-ms}: with {@code maxWaiting} it gives the
   *     rate the bound was sized for, assumed while no completion has been measured
   */
  RemoveAdmission(
      int maxWaiting, Duration timeout, IntSupplier queued, DoubleSupplier completionsPerSecond) {
    this.maxWaiting = maxWaiting;
    this.slots = new Semaphore(maxWaiting);
    this.queued = queued;
    this.completionsPerSecond = completionsPerSecond;
    this.nominalPerSecond = maxWaiting / Math.max(1.0, timeout.toMillis() / 1000.0);
  }

  /**
   * Takes a waiting slot, or throws the 503 to answer. Every successful call must be paired with
   * one {@link #leave()} when the request is answered.
   */
  void enter() {
    if (!slots.tryAcquire()) {
      long retryAfter = retryAfterSeconds();
      throw new ApiError(
          503,
          "overloaded",
          maxWaiting
              + " /api/remove requests are already waiting for their cutouts"
              + " (cutflow.ingest.max-waiting-removes); retry in "
              + retryAfter
              + " s, or queue the image with POST /v1/jobs and fetch the cutout later",
          Map.of("max_waiting", maxWaiting, "queue_depth", queued.getAsInt()),
          retryAfter);
    }
  }

  void leave() {
    slots.release();
  }

  /** Requests holding a slot now. */
  int waiting() {
    return maxWaiting - slots.availablePermits();
  }

  /** Queue depth ÷ recent completion rate, 1..{@link #MAX_RETRY_AFTER_S} seconds. */
  long retryAfterSeconds() {
    double measured = completionsPerSecond.getAsDouble();
    return retryAfterSeconds(
        Math.max(queued.getAsInt(), waiting()), measured > 0 ? measured : nominalPerSecond);
  }

  static long retryAfterSeconds(int depth, double perSecond) {
    if (perSecond <= 0 || Double.isNaN(perSecond)) {
      return MAX_RETRY_AFTER_S;
    }
    double seconds = Math.ceil(depth / perSecond);
    return (long) Math.max(1, Math.min(MAX_RETRY_AFTER_S, seconds));
  }
}
