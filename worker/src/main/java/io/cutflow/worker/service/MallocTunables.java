package io.cutflow.worker.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * glibc's malloc settings for worker processes ({@code GLIBC_TUNABLES}, read once at process
 * start).
 *
 * <p>ONNX Runtime's CPU arena takes its ≈ 0.75 GB of activations from malloc. With 4 KiB pages a
 * new session's first run takes ≈ 190 thousand page faults filling it; {@code
 * glibc.malloc.hugetlb=1} makes malloc ask for transparent huge pages, and the same run takes ≈ 6
 * thousand. Every recycle's standby pays that first run, on the cores the active workers use
 * ({@code cutflow cold-start} measures it).
 */
public final class MallocTunables {
  public static final String ENV = "GLIBC_TUNABLES";
  static final String HUGE_PAGES = "glibc.malloc.hugetlb=1";
  private static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

  private MallocTunables() {}

  /**
   * What a supervisor puts in a worker's {@code GLIBC_TUNABLES}: with {@code hugePages} ({@code
   * cutflow.worker.malloc-huge-pages}) the inherited value plus huge pages; without, nothing (the
   * worker inherits the supervisor's environment unchanged).
   */
  public static Optional<String> forWorker(boolean hugePages, String inherited) {
    return hugePages ? Optional.of(withHugePages(inherited)) : Optional.empty();
  }

  /**
   * The {@code GLIBC_TUNABLES} value for a worker: {@code inherited} (may be null) plus huge pages,
   * unless it already says something about {@code glibc.malloc.hugetlb} (the operator's choice
   * stands).
   */
  public static String withHugePages(String inherited) {
    if (inherited == null || inherited.isBlank()) {
      return HUGE_PAGES;
    }
    boolean set =
        Arrays.stream(inherited.split(":"))
            .anyMatch(t -> t.trim().startsWith("glibc.malloc.hugetlb="));
    return set ? inherited : inherited + ":" + HUGE_PAGES;
  }

  /** Whether this process's malloc was started with huge pages requested. */
  public static boolean hugePagesRequested(String tunables) {
    return tunables != null
        && Arrays.stream(tunables.split(":"))
            .map(String::trim)
            .anyMatch(
                t -> t.startsWith("glibc.malloc.hugetlb=") && !t.equals("glibc.malloc.hugetlb=0"));
  }

  /**
   * The kernel's transparent-huge-page mode ({@code always}, {@code madvise} or {@code never}: the
   * bracketed word of {@code /sys/kernel/mm/transparent_hugepage/enabled}); empty off Linux.
   */
  public static Optional<String> transparentHugePageMode() {
    try {
      return parseMode(Files.readString(THP_ENABLED));
    } catch (IOException | SecurityException e) {
      return Optional.empty();
    }
  }

  static Optional<String> parseMode(String sysfs) {
    int open = sysfs.indexOf('[');
    int close = sysfs.indexOf(']', open + 1);
    return open >= 0 && close > open
        ? Optional.of(sysfs.substring(open + 1, close))
        : Optional.empty();
  }

  /** True when malloc in this process can actually get huge pages. */
  public static boolean hugePagesInEffect() {
    return hugePagesRequested(System.getenv(ENV))
        && transparentHugePageMode().map(m -> !m.equals("never")).orElse(false);
  }
}
