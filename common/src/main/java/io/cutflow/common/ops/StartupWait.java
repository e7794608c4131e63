package io.cutflow.common.ops;

import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.store.ObjectStoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process that starts while Kafka or the object store does not answer waits for it. Such a start
 * used to end the process (a topic check out of time, a bucket check out of retries), and its
 * supervisor, or Kubernetes, started it again: a worker loaded its model again each time, the
 * crash-loop alert fired for what was an outage, and the backoff grew, delaying the process past
 * the dependency's return. Workers and the ingest server both start through one of these.
 *
 * <p>A boot step that fails because its dependency did not answer (Kafka: a retriable error or a
 * timeout; the store: {@link ObjectStoreUnavailableException}) is tried again, {@link #FIRST_WAIT}
 * later, then twice as long each time up to {@link #MAX_WAIT}, for as long as that lasts. The
 * process's {@code /readyz} says what it waits for ({@link #reason()}) and its {@code
 * *_start_waiting} gauge is 1 ({@link #waiting}). Any other failure (a refused bucket, a denied
 * topic) still ends the start at once: waiting would not fix it. A stop signal ends the wait
 * ({@link Stopped}). Thread-safe.
 */
public final class StartupWait {
  private static final Logger log = LoggerFactory.getLogger(StartupWait.class);

  /** The first wait after a failed attempt; a worker's job held through a store outage too. */
  public static final Duration FIRST_WAIT = Duration.ofSeconds(1);

  /** The longest wait between attempts. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(10);

  /** How long a first attempt goes unanswered before readiness names it. */
  static final Duration QUIET = Duration.ofSeconds(5);

  /** What a start needs, and how a failure of it shows that it did not answer. */
  public enum Dependency {
    KAFKA("kafka", "Kafka", KafkaConfig.BOOTSTRAP_SERVERS),
    OBJECT_STORE("object_store", "the object store", StorageConfig.S3_ENDPOINT);

    /** The metric label. */
    public final String label;

    private final String title;
    private final ConfigKey setting;

    Dependency(String label, String title, ConfigKey setting) {
      this.label = label;
      this.title = title;
      this.setting = setting;
    }

    /** Its name in messages ("Kafka"). */
    public String title() {
      return title;
    }

    /** The setting that says where it is. */
    public ConfigKey setting() {
      return setting;
    }

    /** The dependency that {@code e} says did not answer; null when it says neither. */
    public static Dependency thatDidNotAnswer(RuntimeException e) {
      // the store first: its unavailability is its own type, whatever its cause
      return OBJECT_STORE.didNotAnswer(e) ? OBJECT_STORE : KAFKA.didNotAnswer(e) ? KAFKA : null;
    }

    /** True when {@code e} says that this dependency did not answer, not that it refused. */
    boolean didNotAnswer(RuntimeException e) {
      if (this == OBJECT_STORE) {
        return e instanceof ObjectStoreUnavailableException;
      }
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof RetriableException
            || t instanceof TimeoutException
            || isUnresolvedBootstrap(t)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * The Kafka clients' refusal, as they are made, of bootstrap servers none of whose names resolves
   * (yet: a broker's name appears with its container or pod). A start waits for it as for a broker
   * that does not answer; workers used to crash on it, each after loading the model, in a loop.
   */
  public static boolean isUnresolvedBootstrap(Throwable t) {
    return t instanceof ConfigException
        && String.valueOf(t.getMessage()).contains("No resolvable bootstrap urls");
  }

  /** {@code e}'s message, and its deepest cause's where that says more ("Failed to create…"). */
  private static String describe(RuntimeException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String top = String.valueOf(e.getMessage());
    String deep = root.getMessage();
    return root == e || deep == null || top.contains(deep) ? top : top + " (" + deep + ")";
  }

  /** The start was stopped (SIGTERM, a supervisor's stop) while it waited. */
  public static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stopped(String step) {
      super("stopped while waiting: " + step);
    }
  }

  /** The step waiting now: since when, how many failed attempts, the last one's error. */
  private record Waiting(
      Dependency dependency, String step, long sinceNanos, int attempts, String lastError) {}

  private final String process;
  private final BooleanSupplier stopping;
  private final Duration firstWait;
  private final Duration maxWait;
  private final LongSupplier nanoTime;
  private final AtomicReference<Waiting> waiting = new AtomicReference<>();

  /**
   * @param process what starts, for the fix readiness names ("the worker")
   * @param stopping true once the process must exit instead of waiting on
   */
  public StartupWait(String process, BooleanSupplier stopping) {
    this(process, stopping, FIRST_WAIT, MAX_WAIT, System::nanoTime);
  }

  StartupWait(
      String process,
      BooleanSupplier stopping,
      Duration firstWait,
      Duration maxWait,
      LongSupplier nanoTime) {
    this.process = process;
    this.stopping = stopping;
    this.firstWait = firstWait;
    this.maxWait = maxWait;
    this.nanoTime = nanoTime;
  }

  /**
   * Runs {@code call} ({@code step}, e.g. "checking the topics") until it succeeds or fails
   * otherwise than by {@code dependency} not answering. One step waits at a time.
   *
   * @throws Stopped the process is stopping; nothing is left open by this wait
   */
  public <T> T until(Dependency dependency, String step, Supplier<T> call) {
    long wait = firstWait.toMillis();
    // in progress, not yet failed: readiness can say what the start is on (a topic check may take
    // its 2 minutes before it fails), the gauge stays 0
    waiting.set(new Waiting(dependency, step, nanoTime.getAsLong(), 0, null));
    try {
      while (true) {
        try {
          T value = call.get();
          Waiting w = waiting.get();
          if (w.attempts() > 0) {
            log.atInfo()
                .setMessage("dependency answers; the start goes on")
                .addKeyValue("dependency", dependency.label)
                .addKeyValue("step", step)
                .addKeyValue("waited_ms", (nanoTime.getAsLong() - w.sinceNanos()) / 1_000_000)
                .log();
          }
          return value;
        } catch (RuntimeException e) {
          if (!dependency.didNotAnswer(e)) {
            throw e;
          }
          Waiting w = waiting.get();
          waiting.set(new Waiting(dependency, step, w.sinceNanos(), w.attempts() + 1, describe(e)));
          log.atWarn()
              .setMessage("dependency does not answer; the start waits for it")
              .addKeyValue("dependency", dependency.label)
              .addKeyValue("step", step)
              .addKeyValue("attempt", waiting.get().attempts())
              .addKeyValue("next_try_ms", wait)
              .addKeyValue("error", describe(e))
              .log();
          sleep(wait, step);
          wait = Math.min(wait * 2, maxWait.toMillis());
        }
      }
    } finally {
      waiting.set(null);
    }
  }

  /** Sleeps {@code millis}, looking for a stop every 100 ms. */
  private void sleep(long millis, String step) {
    long end = nanoTime.getAsLong() + millis * 1_000_000;
    while (true) {
      if (stopping.getAsBoolean()) {
        throw new Stopped(step);
      }
      long left = (end - nanoTime.getAsLong()) / 1_000_000;
      if (left <= 0) {
        return;
      }
      try {
        Thread.sleep(Math.min(left, 100));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Stopped(step);
      }
    }
  }

  /**
   * 1 while the start waits for {@code dependency} after a failed attempt, else 0 (the metric's
   * value).
   */
  public int waiting(Dependency dependency) {
    Waiting w = waiting.get();
    return w != null && w.dependency() == dependency && w.attempts() > 0 ? 1 : 0;
  }

  /**
   * What the start waits for, for {@code /readyz}: a step that has failed, or one without an answer
   * for {@link #QUIET} or longer; else null.
   */
  public String reason() {
    Waiting w = waiting.get();
    if (w == null) {
      return null;
    }
    long seconds = (nanoTime.getAsLong() - w.sinceNanos()) / 1_000_000_000;
    Dependency d = w.dependency();
    if (w.attempts() == 0) {
      return seconds < QUIET.toSeconds()
          ? null
          : "waiting for " + d.title + " (" + w.step() + ") for " + seconds + " s, no answer yet";
    }
    return "waiting for "
        + d.title
        + " ("
        + w.step()
        + ") for "
        + seconds
        + " s, "
        + w.attempts()
        + " attempt(s); last error: "
        + w.lastError()
        + ". Fix: bring back "
        + d.title
        + " at "
        + d.setting.name()
        + "; "
        + process
        + " starts by itself once it answers";
  }
}
