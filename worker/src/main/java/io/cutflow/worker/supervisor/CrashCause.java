package io.cutflow.worker.supervisor;

import io.cutflow.common.process.JavaProcess;
import java.util.List;
import org.slf4j.Logger;

/**
 * Why a worker process died without {@code EXIT}: its exit code, the signal behind it (a code of
 * 129..159 is 128 + the signal, e.g. 137 = SIGKILL; 0 when none) and its last words — the last
 * stray line it printed on stdout once ready (where the JVM reports {@code
 * -XX:+ExitOnOutOfMemoryError} and fatal errors), else the last non-blank line of its log.
 */
record CrashCause(int exitCode, int signal, String lastLine, long pid, int slot) {
  /** Longest last line kept: it travels in every {@code SUSPECT} line and failure message. */
  static final int MAX_LINE = 300;

  /** HotSpot's exit code under {@code -XX:+ExitOnOutOfMemoryError}. */
  static final int JVM_OUT_OF_MEMORY = 3;

  private static final List<String> SIGNALS =
      List.of(
          "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
          "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM");

  CrashCause {
    lastLine = lastLine == null ? "" : lastLine.strip();
    if (lastLine.length() > MAX_LINE) {
      lastLine = lastLine.substring(0, MAX_LINE) + "…";
    }
  }

  /** The cause of {@code w}'s exit with {@code exitCode}. */
  static CrashCause of(SupervisedWorker w, int exitCode) {
    String line = w.lastStrayLine;
    if (line == null || line.isBlank()) {
      line = lastNonBlank(w.process);
    }
    return new CrashCause(exitCode, signalOf(exitCode), line, w.pid(), w.slot);
  }

  /** The signal that killed a process that exited with {@code exitCode}, or 0. */
  static int signalOf(int exitCode) {
    return exitCode > 128 && exitCode < 160 ? exitCode - 128 : 0;
  }

  /** "SIGKILL", or "signal 42" for one without a name here; "" for none. */
  String signalName() {
    if (signal <= 0) {
      return "";
    }
    return signal < SIGNALS.size() ? SIGNALS.get(signal) : "signal " + signal;
  }

  /** E.g. {@code exit 137 (SIGKILL)}, {@code exit 3 (JVM out of memory)}. */
  String exit() {
    if (signal > 0) {
      return "exit " + exitCode + " (" + signalName() + ")";
    }
    if (exitCode == JVM_OUT_OF_MEMORY) {
      return "exit 3 (JVM out of memory, -XX:+ExitOnOutOfMemoryError)";
    }
    return "exit " + exitCode;
  }

  /** One line for logs, {@code SUSPECT} reasons and failure messages. */
  String describe() {
    return exit()
        + " of worker pid "
        + pid
        + " (slot "
        + slot
        + ")"
        + (lastLine.isEmpty() ? "" : "; its last log line: " + lastLine);
  }

  private static String lastNonBlank(JavaProcess process) {
    String[] lines = process.logTail(20).split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].isBlank()) {
        return lines[i];
      }
    }
    return "";
  }

  /** The operator's line for a crashed active worker: who died, how, and what it held. */
  static void logReplacing(
      Logger log, int slot, SupervisedWorker w, String reason, CrashCause cause) {
    log.atWarn()
        .setMessage("worker crashed; replacing it")
        .addKeyValue("slot", slot)
        .addKeyValue("serial", w.serial)
        .addKeyValue("pid", w.pid())
        .addKeyValue("reason", reason)
        .addKeyValue("exit_code", cause == null ? "" : cause.exitCode())
        .addKeyValue("signal", cause == null ? "" : cause.signalName())
        .addKeyValue("cause", cause == null ? "EXIT " + reason : cause.exit())
        .addKeyValue("last_log_line", cause == null ? "" : cause.lastLine())
        .addKeyValue("records_in_flight", cause == null ? List.of() : List.copyOf(w.taken))
        .addKeyValue("log_tail", w.process.logTail(15))
        .log();
  }
}
