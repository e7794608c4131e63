package io.cutflow.worker.supervisor;

import io.cutflow.common.process.JavaProcess;
import io.cutflow.worker.service.ExitReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker process as its slot sees it: what it has reported so far. Fields are touched on the
 * supervisor thread only, except {@link #lastRss} and {@link #lastStrayLine}.
 */
final class SupervisedWorker {
  static final String CRASHED = "CRASHED";

  private static final Logger log = LoggerFactory.getLogger(SupervisedWorker.class);

  final int slot;
  final int serial;
  final JavaProcess process;
  final long startedNanos = System.nanoTime(); // just after the process was started
  boolean ready;
  int opsPort; // from READY; 0 before
  boolean lowered; // its autogroup runs at the standby nice
  boolean exited; // sent EXIT
  boolean retired;
  ExitReason exitReason; // as its EXIT said; null before (or without) one
  long finished;
  long lastCommitMs;
  long firstRecordMs;
  long goAtMs;
  long predecessorLastCommitMs;
  volatile long lastRss = -1;
  long peakRss = -1;
  // records TAKEN and not yet DONE: what a crash of this process is charged to
  final Set<PoisonLedger.Position> taken = new LinkedHashSet<>();
  // the last stdout line that was no control message, once READY: where the JVM itself reports
  // fatal errors and -XX:+ExitOnOutOfMemoryError (startup noise before READY is not kept)
  volatile String lastStrayLine;

  SupervisedWorker(int slot, int serial, JavaProcess process) {
    this.slot = slot;
    this.serial = serial;
    this.process = process;
  }

  long pid() {
    return process.pid();
  }

  /** What the stats keep of this process once it has exited with {@code code}. */
  SupervisorStats.RetiredWorker retired(String reason, int code, CrashCause crash) {
    return new SupervisorStats.RetiredWorker(
        slot,
        serial,
        pid(),
        reason,
        code,
        finished,
        lastCommitMs,
        firstRecordMs,
        peakRss,
        CrashCause.signalOf(code),
        crash == null ? "" : crash.describe());
  }

  /** Sends {@code message}; false if the process is gone. */
  boolean send(ControlMessage message) {
    return process.send(message.encode());
  }

  void sampleRss() {
    if (process.isAlive()) {
      long rss = io.cutflow.worker.service.ResidentMemory.ofPid(process.pid());
      lastRss = rss;
      peakRss = Math.max(peakRss, rss);
    }
  }

  /**
   * Reads control lines until EOF, then waits for the exit. {@code submit} runs each callback on
   * the supervisor thread.
   */
  void startReader(
      Consumer<Runnable> submit, Consumer<ControlMessage> onMessage, IntConsumer onExit) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.stdout(), StandardCharsets.UTF_8))) {
                String line;
                boolean readySeen = false;
                while ((line = in.readLine()) != null) {
                  Optional<ControlMessage> m = ControlMessage.parse(line);
                  if (m.isPresent()) {
                    readySeen |= m.get() instanceof ControlMessage.Ready;
                    submit.accept(() -> onMessage.accept(m.get()));
                  } else {
                    if (readySeen && !line.isBlank()) {
                      lastStrayLine = line;
                    }
                    log.atDebug()
                        .setMessage("worker stdout")
                        .addKeyValue("slot", slot)
                        .addKeyValue("line", line)
                        .log();
                  }
                }
              } catch (IOException e) {
                // the pipe broke: the process is going away
              }
              int code;
              try {
                code = process.waitFor();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              submit.accept(() -> onExit.accept(code));
            },
            "worker-" + slot + "-" + serial + "-control");
    t.setDaemon(true);
    t.start();
  }

  /** As its EXIT line said, if its exit code agrees; else what the code says (or CRASHED). */
  String exitReasonFor(int code) {
    if (exited && exitReason != null && code == exitReason.exitCode()) {
      return exitReason.name();
    }
    ExitReason byCode = ExitReason.ofExitCode(code);
    // killed (137 = SIGKILL), out of memory, native crash: no code of ours
    return byCode.exitCode() == code ? byCode.name() : CRASHED;
  }
}
