package io.cutflow.worker.service;

import io.cutflow.worker.inference.StopSignals;
import io.cutflow.worker.supervisor.ControlMessage;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a worker process is told to go and to stop: the worker side of the {@link ControlMessage}
 * protocol (with a control channel), and SIGTERM (with or without one). A stop that comes before
 * the {@link CutoutWorker} runs is kept as the process's {@link #earlyExit()}.
 */
final class WorkerControl {
  private static final Logger log = LoggerFactory.getLogger(WorkerControl.class);

  private final PrintStream out;
  private final AtomicReference<CutoutWorker> worker = new AtomicReference<>();
  private final AtomicReference<ExitReason> early = new AtomicReference<>();
  private final CountDownLatch go = new CountDownLatch(1);
  private final CountDownLatch bye = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);

  /** What the process exits with: set before {@link #done}, FATAL's until then. */
  private final AtomicInteger exitCode = new AtomicInteger(ExitReason.FATAL.exitCode());

  /**
   * @param out where control messages go (the supervisor reads them)
   */
  WorkerControl(PrintStream out) {
    this.out = out;
  }

  /** The running worker, or null while loading and warming. */
  CutoutWorker worker() {
    return worker.get();
  }

  void send(ControlMessage message) {
    synchronized (out) {
      out.println(message.encode());
      out.flush();
    }
  }

  /**
   * Reports what the supervisor follows besides READY and EXIT: the first record (end of a
   * handover), assignments and revocations (did a recycle move anyone's partitions?), the count
   * after each published result (must the successor be ready?) and each record taken and done (what
   * a crash of this process is charged to).
   */
  WorkerMetrics.Listener listener() {
    return new WorkerMetrics.Listener() {
      @Override
      public void firstRecord(long epochMillis) {
        send(new ControlMessage.FirstRecord(epochMillis));
      }

      @Override
      public void assigned(Collection<TopicPartition> partitions, int generation) {
        send(new ControlMessage.Assigned(generation, ids(partitions)));
      }

      @Override
      public void revoked(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
          send(new ControlMessage.Revoked(ids(partitions)));
        }
      }

      @Override
      public void finished(int count) {
        send(new ControlMessage.Finished(count));
      }

      @Override
      public void taken(TopicPartition tp, long offset) {
        send(new ControlMessage.Taken(tp.partition(), offset));
      }

      @Override
      public void done(TopicPartition tp, long offset) {
        send(new ControlMessage.Done(tp.partition(), offset));
      }
    };
  }

  private static java.util.List<Integer> ids(Collection<TopicPartition> partitions) {
    return partitions.stream().map(TopicPartition::partition).sorted().toList();
  }

  /**
   * SIGTERM (also SIGINT, SIGHUP) drains: the worker stops as STOPPED, or, still loading, does not
   * start, and the process exits once {@link #done} with the code it would have exited with anyway.
   * Handled as a signal rather than in a shutdown hook, so that ONNX Runtime's own hook (which
   * releases its environment) cannot run while the model does ({@link StopSignals}). A second
   * signal exits at once.
   */
  void handleStopSignals() {
    StopSignals.install(
        status -> {
          log.atInfo()
              .setMessage("stop signal: draining")
              .addKeyValue("signal", status - 128)
              .log();
          stop();
          try {
            done.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return exitCode.get();
        });
  }

  /**
   * Reads SUSPECT (into {@code suspects}), GO, STOP and BYE from {@code in}; EOF there means the
   * supervisor is gone: stop.
   */
  void startReader(InputStream in, SuspectRecords suspects) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  ControlMessage m = ControlMessage.parse(line).orElse(null);
                  if (m instanceof ControlMessage.Suspect s) {
                    suspects.apply(s);
                  } else if (m instanceof ControlMessage.Go) {
                    go.countDown();
                  } else if (m instanceof ControlMessage.Stop) {
                    stop();
                  } else if (m instanceof ControlMessage.Bye) {
                    bye.countDown();
                  } else {
                    log.atWarn()
                        .setMessage("unknown control command")
                        .addKeyValue("line", line)
                        .log();
                  }
                }
              } catch (Exception e) {
                log.atWarn()
                    .setMessage("control channel failed")
                    .addKeyValue("error", e.toString())
                    .log();
              }
              // EOF: the supervisor is gone. Drain and exit rather than run unsupervised.
              stop();
            },
            "control");
    t.setDaemon(true);
    t.start();
  }

  private void stop() {
    early.compareAndSet(null, ExitReason.STOPPED);
    go.countDown();
    bye.countDown(); // a stop (supervisor shutting down or gone) ends the wait for a successor too
    CutoutWorker w = worker.get();
    if (w != null) {
      w.requestStop(ExitReason.STOPPED);
    }
  }

  /** Waits for GO (or a stop, which also ends the wait). */
  void awaitGo() throws InterruptedException {
    go.await();
  }

  /** Why the process must exit before its worker runs; null if it may run. */
  ExitReason earlyExit() {
    return early.get();
  }

  /** Hands {@code w} to later stops; a stop that raced with this reaches it too. */
  void running(CutoutWorker w) {
    worker.set(w);
    if (early.get() != null) {
      w.requestStop(early.get());
    }
  }

  /** Waits up to {@code timeoutMs} for BYE; false on timeout. */
  boolean awaitBye(long timeoutMs) throws InterruptedException {
    return bye.await(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** The code the process is about to exit with; returns it. */
  int exitingWith(int code) {
    exitCode.set(code);
    return code;
  }

  /** The process is done: a stop signal waiting for the drain may exit. */
  void done() {
    done.countDown();
  }
}
