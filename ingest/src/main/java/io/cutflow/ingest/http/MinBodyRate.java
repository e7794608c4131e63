package io.cutflow.ingest.http;

import io.javalin.http.Context;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slowest a request body may arrive: after {@link #GRACE}, on average at least {@code
 * cutflow.ingest.min-data-rate-bytes} per second since the server began reading it. A slower body
 * has its connection closed, so that a client trickling a large upload cannot hold its
 * upload-memory reservation and a thread for as long as it sends a byte within the idle timeout.
 * Checked four times a second while the body is read; a body that has all arrived is never cut off.
 *
 * <p>Not Jetty's minimum request data rate: Jetty checks that on every read, with no grace and also
 * once all of the body is there, so a small body read in two calls a few milliseconds apart is
 * refused too (300-byte uploads got 408 in this project's tests).
 */
final class MinBodyRate {
  static final Duration GRACE = Duration.ofSeconds(5);
  private static final long CHECK_EVERY_MS = 250;
  private static final Logger log = LoggerFactory.getLogger(MinBodyRate.class);
  private static final int READING = 0;
  private static final int DONE = 1;
  private static final int TOO_SLOW = 2;

  // one daemon thread for every API in the JVM; a cancelled check leaves the queue (and lets go of
  // its request) at once
  private static final ScheduledThreadPoolExecutor TIMER = timer();

  private final long minRateBytes;
  private final Duration grace;

  /**
   * @param minRateBytes bytes per second; 0 = no minimum
   */
  MinBodyRate(long minRateBytes, Duration grace) {
    this.minRateBytes = minRateBytes;
    this.grace = grace;
  }

  /**
   * Reads the request's body of {@code expected} bytes (its Content-Length, else the upload limit)
   * with {@code read}, closing the connection when it arrives too slowly.
   *
   * @throws ApiError 408 {@code request_timeout} when it was closed for that
   */
  <T> T read(Context ctx, long expected, Supplier<T> read) {
    Request jetty = Request.getBaseRequest(ctx.req());
    if (minRateBytes <= 0 || jetty == null) {
      return read.get();
    }
    // counted as Jetty hands the body to the reader, without taking its locks
    AtomicLong received = new AtomicLong();
    jetty
        .getHttpInput()
        .addInterceptor(
            content -> {
              if (!content.isSpecial()) {
                received.addAndGet(content.remaining());
              }
              return content;
            });
    long start = System.nanoTime();
    AtomicInteger state = new AtomicInteger(READING);
    ScheduledFuture<?> check =
        TIMER.scheduleAtFixedRate(
            () -> {
              long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
              long got = received.get();
              if (got < expected
                  && got < minRateBytes * (ms - grace.toMillis()) / 1000
                  && state.compareAndSet(READING, TOO_SLOW)) {
                log.atWarn()
                    .setMessage("request body too slow: closing the connection")
                    .addKeyValue("path", ctx.path())
                    .addKeyValue("remote", ctx.ip())
                    .addKeyValue("received_bytes", got)
                    .addKeyValue("expected_bytes", expected)
                    .addKeyValue("elapsed_ms", ms)
                    .log();
                jetty.getHttpChannel().abort(new TimeoutException("request body too slow"));
              }
            },
            grace.toMillis(),
            CHECK_EVERY_MS,
            TimeUnit.MILLISECONDS);
    try {
      return read.get();
    } catch (Exception e) { // also the checked IOException Javalin (Kotlin) throws undeclared
      if (state.get() == TOO_SLOW) {
        throw new ApiError(
            408,
            "request_timeout",
            "the request body arrived slower than cutflow.ingest.min-data-rate-bytes ("
                + minRateBytes
                + " bytes/s on average after the first "
                + grace.toSeconds()
                + " s: "
                + received.get()
                + " of "
                + expected
                + " bytes in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                + " ms); the connection was closed");
      }
      throw e;
    } finally {
      state.compareAndSet(READING, DONE);
      check.cancel(false);
    }
  }

  private static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "cutflow-min-body-rate");
              thread.setDaemon(true);
              return thread;
            });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }
}
