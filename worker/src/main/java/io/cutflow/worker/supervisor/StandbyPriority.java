package io.cutflow.worker.supervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps a warming standby worker off its active sibling's cores: a standby runs at a low CPU
 * priority until it is ready, and at normal priority from then on.
 *
 * <p>A process's own nice value cannot be lowered again without privilege, so this uses Linux's
 * autogroup instead: a worker started in a session of its own (see {@code
 * JavaProcessBuilder#ownSession}) is alone in its autogroup, and the autogroup's nice ({@code
 * /proc/<pid>/autogroup}) may be set to any value from 0 to 19 by the process's owner, in both
 * directions. CFS then shares the cores between autogroups by weight: at nice 19 the standby gets
 * about 1.5 % of a core that the active worker wants, and every cycle the active worker leaves idle
 * (its decode, encode and upload stages leave about 7 % of two cores idle).
 *
 * <p>Where autogroup is missing or off, {@link #available()} is false and nothing is written.
 * Inside a CPU-limited cgroup the kernel ignores autogroups: writes succeed and change nothing.
 */
public final class StandbyPriority {
  private static final Path ENABLED = Path.of("/proc/sys/kernel/sched_autogroup_enabled");
  private static final Pattern NICE = Pattern.compile("nice\\s+(-?\\d+)");

  private final int nice;
  private final boolean available;

  StandbyPriority(int nice, boolean available) {
    if (nice < 0 || nice > 19) {
      throw new IllegalArgumentException(
          "cutflow.worker.standby-nice must be 0..19 (0 = off), got " + nice);
    }
    this.nice = nice;
    this.available = available && nice > 0;
  }

  /** For {@code nice} (0 = off), on this machine: available where autogroup is on. */
  public static StandbyPriority of(int nice) {
    return new StandbyPriority(nice, autogroupEnabled());
  }

  static boolean autogroupEnabled() {
    try {
      return Files.readString(ENABLED, StandardCharsets.US_ASCII).trim().equals("1")
          && Files.isReadable(Path.of("/proc/self/autogroup"));
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /** Whether standbys get a lower priority here (turned on, and autogroup on). */
  public boolean available() {
    return available;
  }

  public int nice() {
    return nice;
  }

  /** Lowers the process's autogroup to {@link #nice()}. */
  void lower(long pid) throws IOException {
    write(pid, nice);
  }

  /** Back to normal priority (nice 0). */
  void restore(long pid) throws IOException {
    write(pid, 0);
  }

  /**
   * Sets the autogroup nice of {@code pid}, once it leads a session of its own. Until the child has
   * run {@code setsid} it is still in <em>our</em> autogroup, and a write would lower the
   * supervisor's priority (and the broker's, in one-machine mode) for good. The kernel also
   * rate-limits unprivileged writes (one per 100 ms, machine-wide). Either way an {@link
   * IOException} means "try again shortly".
   */
  static void write(long pid, int value) throws IOException {
    long session = sessionOf(pid);
    if (session != pid) {
      throw new IOException(
          "pid " + pid + " is not yet in a session of its own (session " + session + ")");
    }
    Files.writeString(autogroupFile(pid), Integer.toString(value), StandardCharsets.US_ASCII);
  }

  /**
   * The session id of {@code pid}, from /proc/PID/stat (fields after the command: state ppid pgrp
   * session).
   */
  static long sessionOf(long pid) throws IOException {
    String stat =
        Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[3]);
  }

  /** The autogroup nice of {@code pid}, if it can be read. */
  static OptionalInt read(long pid) {
    try {
      Matcher m = NICE.matcher(Files.readString(autogroupFile(pid), StandardCharsets.US_ASCII));
      return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    } catch (IOException | SecurityException e) {
      return OptionalInt.empty();
    }
  }

  private static Path autogroupFile(long pid) {
    return Path.of("/proc", Long.toString(pid), "autogroup");
  }
}
