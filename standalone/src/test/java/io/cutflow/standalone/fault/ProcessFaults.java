package io.cutflow.standalone.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Faults done to processes (freeze, thaw, kill) and the orphan check: which of this JVM's
 * descendants a scenario started and left behind.
 */
public final class ProcessFaults {
  private ProcessFaults() {}

  /**
   * SIGSTOP {@code root} and its descendants: alive, sockets open, answering nothing. Returns once
   * the kernel reports {@code root} stopped (Linux: state {@code T} in {@code /proc/<pid>/stat}).
   */
  public static void freeze(ProcessHandle root) throws InterruptedException {
    signal(root, "STOP");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (state(root.pid()) != 'T') {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "pid " + root.pid() + " not stopped after SIGSTOP: state " + state(root.pid()));
      }
      Thread.sleep(50);
    }
  }

  /** The process state letter from {@code /proc/<pid>/stat} ({@code ?} when unreadable). */
  static char state(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // "pid (comm) S ...": the command may hold spaces and parentheses, the state follows the last
      // ')'
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (IOException | RuntimeException e) {
      return '?';
    }
  }

  /** SIGCONT {@code root} and its descendants. */
  public static void thaw(ProcessHandle root) {
    signal(root, "CONT");
  }

  private static void signal(ProcessHandle root, String signal) {
    List<String> pids =
        Stream.concat(Stream.of(root), root.descendants())
            .map(p -> Long.toString(p.pid()))
            .toList();
    List<String> cmd = Stream.concat(Stream.of("kill", "-" + signal), pids.stream()).toList();
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
    }
  }

  /** The pids of this JVM's live descendants now. */
  public static Set<Long> descendants() {
    return ProcessHandle.current()
        .descendants()
        .map(ProcessHandle::pid)
        .collect(Collectors.toSet());
  }

  /**
   * Waits up to {@code timeout} for every descendant not in {@code before} to exit; returns those
   * still alive then (pid and command line), empty when none.
   */
  public static List<String> survivorsAfter(Set<Long> before, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<ProcessHandle> left = List.of();
    do {
      left =
          ProcessHandle.current()
              .descendants()
              .filter(p -> !before.contains(p.pid()) && p.isAlive())
              .toList();
      if (left.isEmpty()) {
        return List.of();
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    return left.stream()
        .map(p -> p.pid() + " " + abbreviate(p.info().commandLine().orElse("?")))
        .toList();
  }

  /** The tail of a command line: for a child JVM, its main class and arguments. */
  private static String abbreviate(String commandLine) {
    int n = commandLine.length();
    return n <= 300 ? commandLine : "…" + commandLine.substring(n - 300);
  }
}
