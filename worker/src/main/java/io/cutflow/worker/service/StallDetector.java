package io.cutflow.worker.service;

import java.time.Duration;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Tells whether the worker is making progress: it is stalled when it holds records (in flight, from
 * poll to acknowledged result) and no stage has completed anything for longer than the timeout.
 * Such a worker still looks healthy to its consumer group (the poll thread keeps polling), so
 * {@code /readyz} is where it has to say so.
 *
 * <p>The clock starts at the last completion, or when a record arrives at an idle pipeline (time
 * spent idle is not a stall). Thread-safe: stages report from their own threads.
 */
final class StallDetector {
  private final long timeoutNanos;
  private final IntSupplier inFlight;
  private final LongSupplier nanoTime;
  private volatile long lastProgress;

  /**
   * @param inFlight records the worker holds now
   * @param nanoTime the clock ({@code System::nanoTime}; tests step their own)
   */
  StallDetector(Duration timeout, IntSupplier inFlight, LongSupplier nanoTime) {
    this.timeoutNanos = timeout.toNanos();
    this.inFlight = inFlight;
    this.nanoTime = nanoTime;
    this.lastProgress = nanoTime.getAsLong();
  }

  /** A stage completed something: a job fetched and queued, inferred, finished, or failed. */
  void progress() {
    lastProgress = nanoTime.getAsLong();
  }

  /**
   * A record entered the pipeline; call after it is counted in flight. When it is the only one, the
   * pipeline was idle until now, and the clock starts here.
   */
  void arrived() {
    if (inFlight.getAsInt() <= 1) {
      progress();
    }
  }

  /** Why the worker is stalled, or null when it is not. */
  String stalledReason() {
    int held = inFlight.getAsInt();
    if (held == 0) {
      return null;
    }
    long quiet = nanoTime.getAsLong() - lastProgress;
    if (quiet <= timeoutNanos) {
      return null;
    }
    return "stalled: "
        + held
        + " record(s) in flight and no stage (fetch, inference, finish) has completed anything for "
        + quiet / 1_000_000_000
        + " s, over cutflow.worker.stall-timeout-ms ("
        + timeoutNanos / 1_000_000
        + " ms); the worker log says where it waits (object store, Kafka, a stage thread); restart"
        + " the worker, its uncommitted records are redelivered";
  }
}
