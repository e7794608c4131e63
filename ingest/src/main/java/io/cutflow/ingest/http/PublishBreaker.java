package io.cutflow.ingest.http;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Whether Kafka is taking this instance's jobs. Once a request's jobs could not be queued (the
 * producer gave up, or {@link #PUBLISH_TIMEOUT} passed), the next requests are refused at once with
 * 503 {@code unavailable}, before their bodies are read or their images stored, instead of each
 * holding a thread and its upload memory for the whole deadline while clients retry. One request is
 * let through as a probe {@code probeAfter} later; once its jobs are queued, requests flow again.
 * Resilience4j's circuit breaker keeps the state (one call = one request's publishing).
 */
final class PublishBreaker {
  static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);
  static final Duration PROBE_AFTER = Duration.ofSeconds(Errors.DEPENDENCY_RETRY_AFTER_S);
  private static final Logger log = LoggerFactory.getLogger(PublishBreaker.class);

  private final CircuitBreaker breaker;
  private final Duration publishTimeout;
  private volatile Failure last;

  private record Failure(Instant at, Throwable cause) {}

  PublishBreaker(Duration probeAfter, Duration publishTimeout) {
    this.publishTimeout = publishTimeout;
    this.breaker =
        CircuitBreaker.of(
            "kafka-publish",
            CircuitBreakerConfig.custom()
                // a failed publish already means Kafka took nothing for the whole deadline
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(1)
                .minimumNumberOfCalls(1)
                .failureRateThreshold(100)
                .waitDurationInOpenState(probeAfter)
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
    breaker
        .getEventPublisher()
        .onStateTransition(
            e ->
                log.atLevel(
                        e.getStateTransition().getToState() == CircuitBreaker.State.CLOSED
                            ? Level.INFO
                            : Level.WARN)
                    .setMessage("kafka publishing " + describe(e.getStateTransition().getToState()))
                    .addKeyValue("from", e.getStateTransition().getFromState())
                    .addKeyValue("to", e.getStateTransition().getToState())
                    .log());
  }

  PublishBreaker() {
    this(PROBE_AFTER, PUBLISH_TIMEOUT);
  }

  /**
   * Leave to queue one request's jobs; close it when the request is done.
   *
   * @throws ApiError 503 {@code unavailable} at once while Kafka is not taking jobs
   */
  Permit admit() {
    if (!breaker.tryAcquirePermission()) {
      Failure f = last;
      long ago = f == null ? 0 : Duration.between(f.at(), Instant.now()).toSeconds();
      throw new ApiError(
          503,
          "unavailable",
          "Kafka is not taking jobs: the last jobs this server tried to queue failed "
              + ago
              + " s ago ("
              + (f == null ? "unknown" : f.cause())
              + "); nothing was read or stored; retry after "
              + Errors.DEPENDENCY_RETRY_AFTER_S
              + " s",
          Map.of("dependency", "kafka"),
          Errors.DEPENDENCY_RETRY_AFTER_S);
    }
    return new Permit(System.nanoTime());
  }

  /** The breaker's state, for tests and logs: CLOSED (taking jobs), OPEN or HALF_OPEN. */
  CircuitBreaker.State state() {
    return breaker.getState();
  }

  private static String describe(CircuitBreaker.State to) {
    return switch (to) {
      case OPEN -> "failed: refusing HTTP submissions until a probe request gets its jobs queued";
      case HALF_OPEN -> "probe: letting one request through";
      case CLOSED -> "recovered: taking HTTP submissions again";
      default -> "state " + to;
    };
  }

  /** One request's leave to queue jobs: records whether they were queued. */
  final class Permit implements AutoCloseable {
    private final long startNanos;
    private boolean recorded;

    private Permit(long startNanos) {
      this.startNanos = startNanos;
    }

    /**
     * Waits until Kafka has every job and records the outcome.
     *
     * @throws ApiError 503 {@code unavailable} when Kafka does not take them in time
     */
    <T> void awaitPublished(List<CompletableFuture<T>> published) {
      Throwable cause;
      try {
        CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))
            .get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        breaker.onSuccess(elapsed(), TimeUnit.NANOSECONDS);
        recorded = true;
        return;
      } catch (ExecutionException e) {
        cause = e.getCause();
      } catch (TimeoutException e) {
        cause = new TimeoutException("not queued within " + publishTimeout.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ApiError(
            503,
            "unavailable",
            "interrupted while queueing the job",
            Map.of(),
            Errors.DEPENDENCY_RETRY_AFTER_S);
      }
      last = new Failure(Instant.now(), cause);
      breaker.onError(elapsed(), TimeUnit.NANOSECONDS, cause);
      recorded = true;
      throw new ApiError(
          503,
          "unavailable",
          "could not queue the job: " + cause,
          Map.of("dependency", "kafka"),
          Errors.DEPENDENCY_RETRY_AFTER_S);
    }

    private long elapsed() {
      return System.nanoTime() - startNanos;
    }

    /** A request that ended before publishing (bad input, storage down) frees its leave. */
    @Override
    public void close() {
      if (!recorded) {
        recorded = true;
        breaker.releasePermission();
      }
    }
  }
}
