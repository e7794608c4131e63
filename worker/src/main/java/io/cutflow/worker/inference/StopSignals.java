package io.cutflow.worker.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM, SIGINT and SIGHUP handled before the JVM starts shutting down, so that a process asked
 * to end can let a running model finish first. ONNX Runtime's Java binding releases its environment
 * in a shutdown hook of its own, which runs beside every other hook: a process that ends while a
 * model runs crashes in {@code libonnxruntime.so} (SIGSEGV, an hs_err file in the working
 * directory), and a hook of ours cannot wait it out (ONNX Runtime's pull request 10670 says as
 * much). Here the first such signal runs {@code stop} on a thread of its own and then exits with
 * 128 + the signal's number, as the JVM's own handling would, or with the status {@code stop}
 * gives; a second one exits at once. A signal ignored when the JVM started (SIGINT for a background
 * job) stays ignored.
 */
public final class StopSignals implements AutoCloseable {
  private static final List<String> NAMES = List.of("TERM", "INT", "HUP");

  private final List<Signal> signals = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();
  private final AtomicInteger status = new AtomicInteger();

  private StopSignals() {}

  /** Handles the signals with {@code stop} until closed; exits with 128 + the signal's number. */
  public static StopSignals install(Runnable stop) {
    return install(
        status -> {
          stop.run();
          return status;
        });
  }

  /**
   * Handles the signals with {@code stop} until closed: it is given 128 + the signal's number and
   * returns the status to exit with (a process that exits with a status of its own, such as a
   * worker telling its supervisor why it stopped, returns that).
   */
  public static StopSignals install(IntUnaryOperator stop) {
    StopSignals installed = new StopSignals();
    SignalHandler handler =
        signal -> {
          int exitStatus = 128 + signal.getNumber();
          if (!installed.status.compareAndSet(0, exitStatus)) {
            System.exit(exitStatus); // asked twice: end now
            return;
          }
          Thread t =
              new Thread(
                  () -> {
                    int status = exitStatus;
                    try {
                      status = stop.applyAsInt(exitStatus);
                    } finally {
                      System.exit(status);
                    }
                  },
                  "cutflow-stop-SIG" + signal.getName());
          t.setDaemon(true);
          t.start();
        };
    for (String name : NAMES) {
      Signal signal = new Signal(name);
      try {
        SignalHandler old = Signal.handle(signal, handler);
        if (old == SignalHandler.SIG_IGN) {
          Signal.handle(signal, old); // ignored by whoever started us: leave it so
          continue;
        }
        installed.signals.add(signal);
        installed.previous.add(old);
      } catch (IllegalArgumentException e) {
        // the JVM keeps it (-Xrs) or it was ignored at start: the JVM's own handling stands
      }
    }
    return installed;
  }

  /** A command's work, told whether the process has been asked to end. */
  @FunctionalInterface
  public interface Work {
    /** Returns the command's exit status. */
    int run(BooleanSupplier stopping) throws Exception;
  }

  /**
   * Runs {@code work} with the signals handled: the first one makes {@code stopping} true and waits
   * up to {@code wait} for the work to return (the image in the model finishes, those past it are
   * written); the process then exits with 128 + the signal's number. Returns the work's status, or
   * that one once a signal came.
   */
  public static int runStoppable(Duration wait, Work work) throws Exception {
    AtomicBoolean stopping = new AtomicBoolean();
    CountDownLatch ended = new CountDownLatch(1);
    StopSignals signals =
        install(
            () -> {
              stopping.set(true);
              try {
                ended.await(wait.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    try {
      int status = work.run(stopping::get);
      return signals.exitStatus() != 0 ? signals.exitStatus() : status;
    } finally {
      signals.close();
      ended.countDown();
    }
  }

  /**
   * The status the process ends with since a signal came (128 + its number), for a caller that
   * finishes first to exit with the same; 0 while none came.
   */
  public int exitStatus() {
    return status.get();
  }

  /** Gives the signals back to the handlers they had before. */
  @Override
  public void close() {
    for (int i = 0; i < signals.size(); i++) {
      try {
        Signal.handle(signals.get(i), previous.get(i));
      } catch (IllegalArgumentException e) {
        // as at install: nothing to give back
      }
    }
  }
}
