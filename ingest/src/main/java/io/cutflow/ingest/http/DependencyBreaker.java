package io.cutflow.ingest.http;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Whether a dependency of submissions (Kafka, the object store) is taking them, as this instance
 * last saw it. Once a request failed on it (after the dependency's own retries or deadline), the
 * next requests are refused at once with 503, before their bodies are read or anything is stored,
 * instead of each holding a thread and its upload memory for that long while clients retry. One
 * request is let through as a probe {@code probeAfter} later; when it gets through, requests flow
 * again. Resilience4j's circuit breaker keeps the state (one call = one request).
 */
final class DependencyBreaker {
  static final Duration PROBE_AFTER = Duration.ofSeconds(Errors.DEPENDENCY_RETRY_AFTER_S);
  private static final Logger log = LoggerFactory.getLogger(DependencyBreaker.class);

  private final String dependency;
  private final String refusal;
  private final String code;
  private final CircuitBreaker breaker;
  private volatile Failure last;

  private record Failure(Instant at, Throwable cause) {}

  /**
   * @param dependency its name in the 503's {@code dependency} field and in logs
   * @param refusal what the 503 says first, e.g. "Kafka is not taking jobs"
   * @param code the 503's {@code error} code
   */
  DependencyBreaker(String dependency, String refusal, String code, Duration probeAfter) {
    this.dependency = dependency;
    this.refusal = refusal;
    this.code = code;
    this.breaker =
        CircuitBreaker.of(
            dependency,
            CircuitBreakerConfig.custom()
                // one failed request already means the dependency took nothing for its whole
                // deadline or all of its retries
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
            e -> {
              CircuitBreaker.State to = e.getStateTransition().getToState();
              log.atLevel(to == CircuitBreaker.State.CLOSED ? Level.INFO : Level.WARN)
                  .setMessage(dependency + " " + describe(to))
                  .addKeyValue("dependency", dependency)
                  .addKeyValue("from", e.getStateTransition().getFromState())
                  .addKeyValue("to", to)
                  .log();
            });
  }

  static DependencyBreaker kafka() {
    return new DependencyBreaker("kafka", "Kafka is not taking jobs", "unavailable", PROBE_AFTER);
  }

  static DependencyBreaker objectStore() {
    return new DependencyBreaker(
        "object_store",
        "the object store is not taking images",
        "storage_unavailable",
        PROBE_AFTER);
  }

  /**
   * Leave for one request to use the dependency; close it when the request is done.
   *
   * @throws ApiError 503 at once while the dependency is failing
   */
  Permit admit() {
    if (!breaker.tryAcquirePermission()) {
      Failure f = last;
      long ago = f == null ? 0 : Duration.between(f.at(), Instant.now()).toSeconds();
      throw new ApiError(
          503,
          code,
          refusal
              + ": a request failed on it "
              + ago
              + " s ago ("
              + (f == null ? "unknown" : f.cause())
              + "); nothing was read or stored; retry after "
              + Errors.DEPENDENCY_RETRY_AFTER_S
              + " s",
          Map.of("dependency", dependency),
          Errors.DEPENDENCY_RETRY_AFTER_S);
    }
    return new Permit(System.nanoTime());
  }

  /** Its name, as in the 503's {@code dependency} field and the metric's label. */
  String dependency() {
    return dependency;
  }

  /** Whether requests are refused at once now (open, or a probe under way). */
  boolean refusing() {
    return breaker.getState() != CircuitBreaker.State.CLOSED;
  }

  /** CLOSED (taking requests), OPEN or HALF_OPEN. */
  CircuitBreaker.State state() {
    return breaker.getState();
  }

  private static String describe(CircuitBreaker.State to) {
    return switch (to) {
      case OPEN -> "failed: refusing HTTP submissions until a probe request gets through";
      case HALF_OPEN -> "probe: letting one request through";
      case CLOSED -> "recovered: taking HTTP submissions again";
      default -> "state " + to;
    };
  }

  /** One request's leave: records whether the dependency served it. */
  final class Permit implements AutoCloseable {
    private final long startNanos;
    private boolean recorded;

    private Permit(long startNanos) {
      this.startNanos = startNanos;
    }

    void succeeded() {
      if (!recorded) {
        recorded = true;
        breaker.onSuccess(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      }
    }

    void failed(Throwable cause) {
      if (!recorded) {
        recorded = true;
        last = new Failure(Instant.now(), cause);
        breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, cause);
      }
    }

    /** A request that ended before using the dependency (bad input) frees its leave. */
    @Override
    public void close() {
      if (!recorded) {
        recorded = true;
        breaker.releasePermission();
      }
    }
  }
}
