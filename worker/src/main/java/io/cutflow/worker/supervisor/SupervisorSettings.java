package io.cutflow.worker.supervisor;

import io.cutflow.worker.service.WorkerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a {@link RecyclingSupervisor} runs its worker processes.
 *
 * @param slots worker slots; each has a stable {@code group.instance.id} ({@code
 *     <prefix>-slot-<i>})
 * @param recycleAfter a worker stops after this many records (0: never)
 * @param maxRssMb a worker stops when its resident memory passes this (0: no ceiling)
 * @param warmStandby keep a second, warmed process per slot that takes over at once (costs one more
 *     JVM + model per slot); off: the replacement starts when the old one has left (a cold start
 *     per recycle)
 * @param instancePrefix prefix of the slots' {@code group.instance.id}s; must be unique per
 *     supervisor within a consumer group
 * @param jvmArgs JVM options of each worker process (e.g. {@code -Xmx1g})
 * @param workerProperties extra {@code cutflow.*} settings for the workers only (on top of the
 *     supervisor's configuration), e.g. {@code cutflow.worker.intra-op-threads}
 * @param logDir where each worker's stderr goes ({@code slot-<i>-<n>.log}); null: a temp dir
 * @param mainClass the worker's main class (tests substitute a fake speaking the same protocol)
 * @param initialBackoff delay before replacing a crashed worker the first time; doubles per crash
 *     in a row
 * @param maxBackoff cap of that delay
 * @param stopTimeout how long {@link RecyclingSupervisor#close()} waits for workers to drain
 */
public record SupervisorSettings(
    int slots,
    int recycleAfter,
    long maxRssMb,
    boolean warmStandby,
    String instancePrefix,
    List<String> jvmArgs,
    Map<String, String> workerProperties,
    Path logDir,
    String mainClass,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration stopTimeout) {
  /** Images per worker process unless told otherwise. */
  public static final int DEFAULT_RECYCLE_AFTER = 500;

  /** A heap size as -Xmx takes it; declared before DEFAULT_JVM_ARGS, whose initializer reads it. */
  private static final Pattern HEAP_SIZE = Pattern.compile("(\\d{1,12})([kKmMgGtT]?)");

  public static final List<String> DEFAULT_JVM_ARGS = jvmArgs("1g");

  /**
   * A worker's JVM options for a heap of at most {@code maxHeap} ({@code -Xmx} syntax, 64m or
   * more): started small, on the serial collector told to give back what a collection frees (as
   * {@code cutflow remove}'s JVM), so that resident memory follows the image being worked on rather
   * than the largest so far, and with a young generation of at most 32 MB, so that a large image's
   * arrays go straight to the old generation instead of first filling a large eden. Shrinking is
   * not damped ({@code -XX:-ShrinkHeapInSteps}): the full collection before an image that runs
   * alone (cutflow.worker.image-overlap-mb) gives the previous image's heap back at once. G1 grows
   * its heap for a large image and keeps it: one 24-megapixel image with {@code -a} left a worker
   * at 1656 MB with G1 and the ONNX Runtime arena, 948 MB with these options and the arena off
   * (docs/benchmarks.md, "A worker at 24 MP"). The launcher script {@code cutflow} gives {@code
   * remove}'s JVM the same options for 1g (a shell script cannot read these; {@code
   * LauncherScriptTest} checks that the two agree).
   */
  public static List<String> jvmArgs(String maxHeap) {
    heapBytes(maxHeap); // refused here, with the fix, rather than by each worker's JVM at start
    return List.of(
        "-XX:+UseSerialGC",
        "-Xms64m",
        "-Xmx" + maxHeap,
        "-XX:MaxNewSize=32m",
        "-XX:MinHeapFreeRatio=10",
        "-XX:MaxHeapFreeRatio=30",
        "-XX:-ShrinkHeapInSteps",
        "-XX:+ExitOnOutOfMemoryError");
  }

  /** The smallest worker heap: {@code -Xms64m} is where every worker's heap starts. */
  static final long MIN_HEAP_BYTES = 64L << 20;

  /**
   * Bytes of a heap size in {@code -Xmx} syntax (digits, then k, m, g or t, or none for bytes).
   *
   * @throws IllegalArgumentException naming {@code --worker-heap} when it is not such a size or is
   *     under 64m
   */
  static long heapBytes(String maxHeap) {
    Matcher m = HEAP_SIZE.matcher(maxHeap.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "--worker-heap "
              + maxHeap
              + ": not a heap size; give it as -Xmx takes it, e.g. 1g or 768m");
    }
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    long bytes;
    try {
      bytes = Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
    } catch (ArithmeticException e) {
      bytes = Long.MAX_VALUE; // the JVM refuses it as larger than it can reserve, and says so
    }
    if (bytes < MIN_HEAP_BYTES) {
      throw new IllegalArgumentException(
          "--worker-heap "
              + maxHeap
              + ": under 64m, where a worker's heap starts (-Xms64m); give 64m or more (1g fits"
              + " the default pixel limit)");
    }
    return bytes;
  }

  public SupervisorSettings {
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be ≥ 1, got " + slots);
    }
    if (recycleAfter < 0) {
      throw new IllegalArgumentException(
          "recycle-after must be ≥ 0 (0 = never), got " + recycleAfter);
    }
    if (maxRssMb < 0) {
      throw new IllegalArgumentException(
          "max-rss-mb must be ≥ 0 (0 = no ceiling), got " + maxRssMb);
    }
    Objects.requireNonNull(instancePrefix, "instancePrefix");
    if (instancePrefix.isBlank()) {
      throw new IllegalArgumentException("instance prefix must not be blank");
    }
    jvmArgs = List.copyOf(jvmArgs);
    workerProperties = Map.copyOf(workerProperties);
    Objects.requireNonNull(mainClass, "mainClass");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(stopTimeout, "stopTimeout");
  }

  /** Defaults: 1 slot, recycle after 500, no RSS ceiling, warm standby, prefix {@code <host>}. */
  public static SupervisorSettings defaults() {
    return new SupervisorSettings(
        1,
        DEFAULT_RECYCLE_AFTER,
        0,
        true,
        defaultPrefix(),
        DEFAULT_JVM_ARGS,
        Map.of(),
        null,
        WorkerProcess.class.getName(),
        Duration.ofMillis(500),
        Duration.ofSeconds(30),
        Duration.ofSeconds(90));
  }

  /**
   * The host name: stable across restarts of the same supervisor, so its members keep their
   * partitions.
   */
  public static String defaultPrefix() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "cutflow";
    }
  }

  public String groupInstanceId(int slot) {
    return instancePrefix + "-slot-" + slot;
  }

  public SupervisorSettings withSlots(int value) {
    return edit(f -> f.slots = value);
  }

  public SupervisorSettings withRecycleAfter(int value) {
    return edit(f -> f.recycleAfter = value);
  }

  public SupervisorSettings withMaxRssMb(long value) {
    return edit(f -> f.maxRssMb = value);
  }

  public SupervisorSettings withWarmStandby(boolean value) {
    return edit(f -> f.warmStandby = value);
  }

  public SupervisorSettings withInstancePrefix(String value) {
    return edit(f -> f.instancePrefix = value);
  }

  public SupervisorSettings withJvmArgs(List<String> value) {
    return edit(f -> f.jvmArgs = value);
  }

  public SupervisorSettings withWorkerProperties(Map<String, String> value) {
    return edit(f -> f.workerProperties = value);
  }

  public SupervisorSettings withLogDir(Path value) {
    return edit(f -> f.logDir = value);
  }

  public SupervisorSettings withMainClass(String value) {
    return edit(f -> f.mainClass = value);
  }

  public SupervisorSettings withBackoff(Duration initial, Duration max) {
    return edit(
        f -> {
          f.initialBackoff = initial;
          f.maxBackoff = max;
        });
  }

  public SupervisorSettings withStopTimeout(Duration value) {
    return edit(f -> f.stopTimeout = value);
  }

  /** A copy with what {@code change} sets changed, validated as a new one is. */
  private SupervisorSettings edit(Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new SupervisorSettings(
        f.slots,
        f.recycleAfter,
        f.maxRssMb,
        f.warmStandby,
        f.instancePrefix,
        f.jvmArgs,
        f.workerProperties,
        f.logDir,
        f.mainClass,
        f.initialBackoff,
        f.maxBackoff,
        f.stopTimeout);
  }

  /** The components, settable: what the withers change on a copy. */
  private static final class Fields {
    int slots;
    int recycleAfter;
    long maxRssMb;
    boolean warmStandby;
    String instancePrefix;
    List<String> jvmArgs;
    Map<String, String> workerProperties;
    Path logDir;
    String mainClass;
    Duration initialBackoff;
    Duration maxBackoff;
    Duration stopTimeout;

    Fields(SupervisorSettings s) {
      slots = s.slots;
      recycleAfter = s.recycleAfter;
      maxRssMb = s.maxRssMb;
      warmStandby = s.warmStandby;
      instancePrefix = s.instancePrefix;
      jvmArgs = s.jvmArgs;
      workerProperties = s.workerProperties;
      logDir = s.logDir;
      mainClass = s.mainClass;
      initialBackoff = s.initialBackoff;
      maxBackoff = s.maxBackoff;
      stopTimeout = s.stopTimeout;
    }
  }

  /** Delay before the replacement after {@code crashesInARow} crashes (≥ 1): doubling, capped. */
  public Duration backoff(int crashesInARow) {
    long ms = initialBackoff.toMillis() << Math.min(20, Math.max(0, crashesInARow - 1));
    return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
  }
}
