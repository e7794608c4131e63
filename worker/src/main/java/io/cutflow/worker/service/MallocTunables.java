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
 * <p>ONNX Runtime takes a run's ≈ 0.6 GB of activations from malloc. With 4 KiB pages a new
 * session's first run takes ≈ 190 thousand page faults filling them; {@code glibc.malloc.hugetlb=1}
 * makes malloc ask for transparent huge pages, and the same run takes ≈ 6 thousand. Every recycle's
 * standby pays that first run, on the cores the active workers use ({@code cutflow cold-start}
 * measures it).
 *
 * <p>A fixed {@code glibc.malloc.mmap_threshold} (1 MiB) keeps those blocks mapped on their own, so
 * each is given back to the system when freed. glibc's default threshold rises to the size of the
 * largest mapped block freed so far (up to 32 MiB); after the first run, activations of that size
 * come from malloc's heap, which keeps them: without the ONNX Runtime arena a session's resident
 * memory after a run grew 371 → 455 → 515 MB over three runs, and stays at 288–298 MB with it.
 */
public final class MallocTunables {
  public static final String ENV = "GLIBC_TUNABLES";
  static final String HUGE_PAGES = "glibc.malloc.hugetlb=1";
  static final String MMAP_THRESHOLD = "glibc.malloc.mmap_threshold=1048576";
  private static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

  private MallocTunables() {}

  /**
   * What a supervisor puts in a worker's {@code GLIBC_TUNABLES}: the inherited value (may be null)
   * plus the fixed mmap threshold, and with {@code hugePages} ({@code
   * cutflow.worker.malloc-huge-pages}) huge pages. An operator's own value for either stands.
   */
  public static String forWorker(boolean hugePages, String inherited) {
    String tunables = with(inherited, MMAP_THRESHOLD);
    return hugePages ? with(tunables, HUGE_PAGES) : tunables;
  }

  /** {@code inherited} plus huge pages, unless it already sets {@code glibc.malloc.hugetlb}. */
  public static String withHugePages(String inherited) {
    return with(inherited, HUGE_PAGES);
  }

  /**
   * {@code inherited} plus {@code tunable} ({@code name=value}) unless it already sets the name.
   */
  static String with(String inherited, String tunable) {
    if (inherited == null || inherited.isBlank()) {
      return tunable;
    }
    String name = tunable.substring(0, tunable.indexOf('=') + 1);
    boolean set = Arrays.stream(inherited.split(":")).anyMatch(t -> t.trim().startsWith(name));
    return set ? inherited : inherited + ":" + tunable;
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
