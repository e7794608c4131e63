package io.cutflow.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time (user + system) of processes and of their threads, from Linux's {@code /proc} — what
 * {@code cutflow bench} reads before and after the pipeline run to say where the cores went. Where
 * there is no {@code /proc} (not Linux), every figure is 0.
 */
final class ProcessCpu {
  /** {@code /proc} counts in USER_HZ, which Linux fixes at 100 for user space on every arch. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private ProcessCpu() {}

  /** CPU nanoseconds of process {@code pid} so far (all its threads, live and ended). */
  static long processNanos(long pid) {
    return ticks(Path.of("/proc", Long.toString(pid), "stat")) * NANOS_PER_TICK;
  }

  /**
   * CPU nanoseconds of process {@code pid}'s live threads, summed by thread group: the thread's
   * name without a trailing number ({@code finish-2} and {@code finish-3} are {@code finish}).
   */
  static Map<String, Long> threadNanos(long pid) {
    Map<String, Long> byGroup = new TreeMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (Stream<Path> list = Files.list(tasks)) {
      list.forEach(
          t -> {
            String name = threadName(t);
            if (name != null) {
              byGroup.merge(group(name), ticks(t.resolve("stat")) * NANOS_PER_TICK, Long::sum);
            }
          });
    } catch (IOException | RuntimeException e) {
      // the process ended, or no /proc: nothing to count
    }
    return byGroup;
  }

  /** {@code after - before} per key (keys only in {@code after} count from 0). */
  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new LinkedHashMap<>();
    after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
    return d;
  }

  /** A thread name's group: trailing digits and separators removed ("fetch-12" → "fetch"). */
  static String group(String name) {
    String g = name.strip().replaceAll("[-_#: ]*\\d+$", "");
    return g.isEmpty() ? name.strip() : g;
  }

  private static String threadName(Path task) {
    try {
      return Files.readString(task.resolve("comm")).strip();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** utime + stime from a {@code stat} line; the name field may hold spaces, so parse after ')'. */
  static long ticks(Path stat) {
    try {
      return ticksOf(Files.readString(stat));
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static long ticksOf(String statLine) {
    String rest = statLine.substring(statLine.lastIndexOf(')') + 2);
    String[] f = rest.split(" ");
    // after "pid (comm) ": state is field 3, utime field 14 and stime field 15
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
