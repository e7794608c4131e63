package io.cutflow.common.store;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded exponential backoff: attempt n (1-based) waits {@code min(max, initial * 2^(n-1))} scaled
 * by a random factor in [0.5, 1.0] before attempt n+1.
 *
 * @param attempts total attempts, at least 1 (1 = no retry)
 */
public record RetryPolicy(int attempts, Duration initialBackoff, Duration maxBackoff) {
  public RetryPolicy {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1: " + attempts);
    }
  }

  public static RetryPolicy from(CutflowConfig config) {
    return new RetryPolicy(
        config.getInt(StorageConfig.S3_RETRY_ATTEMPTS),
        Duration.ofMillis(config.getLong(StorageConfig.S3_RETRY_BACKOFF_MS)),
        Duration.ofMillis(config.getLong(StorageConfig.S3_RETRY_MAX_BACKOFF_MS)));
  }

  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
  }

  /** Delay after failed attempt {@code attempt} (1-based). */
  public Duration backoff(int attempt) {
    long base = initialBackoff.toMillis();
    long cap = maxBackoff.toMillis();
    long exp = base << Math.min(attempt - 1, 30);
    if (exp < 0 || exp > cap) {
      exp = cap;
    }
    double jitter = 0.5 + ThreadLocalRandom.current().nextDouble() * 0.5;
    return Duration.ofMillis((long) (exp * jitter));
  }
}
