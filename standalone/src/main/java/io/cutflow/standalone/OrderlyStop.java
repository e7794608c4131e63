package io.cutflow.standalone;

import io.cutflow.common.process.JavaProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@code run}, {@code up} and {@code bench} stop — when they finish, fail, or are interrupted
 * (Ctrl-C, SIGTERM): ordered steps, each bounded in time, run once.
 *
 * <p>The command's own {@code finally} and the JVM's shutdown (through {@link
 * JavaProcess#onShutdown}, so the child reaper waits for it) both call {@link #close()}; whichever
 * comes second waits for the first. JVM shutdown hooks run while the command's thread still runs:
 * on a signal this class interrupts that thread (after the workers have drained, so a run still
 * collects the results they finish) and waits for it to reach {@link #close()}; resources it
 * registers from then on are closed at once.
 *
 * <p>Order, by {@link Phase}: the supervisor (workers drain and commit, standbys stop, none is
 * started any more), then the ingest side (the command's thread, HTTP API, Kafka Streams, clients),
 * then the broker and the S3 server, then any child process still alive is killed, then the
 * temporary files go, then the report.
 */
final class OrderlyStop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OrderlyStop.class);

  /** When a step runs; steps of one phase run in the order they were added. */
  enum Phase {
    WORKERS,
    INGEST,
    SERVERS,
    FILES,
    REPORT
  }

  /** An action of a step. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  /** Thrown by {@link #step} once stopping: the command's thread should give up and return. */
  static final class StoppingException extends RuntimeException {
    StoppingException(String what) {
      super("stopping: " + what + " closed at once");
    }
  }

  private record Step(String name, Duration bound, Action action) {}

  private final String command;
  private final Thread owner;
  private final Map<Phase, List<Step>> steps = new EnumMap<>(Phase.class);
  private final AtomicBoolean signalled = new AtomicBoolean();
  private final CountDownLatch ownerParked = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private final AutoCloseable registration;
  private boolean closing; // guarded by this

  private OrderlyStop(String command) {
    this.command = command;
    this.owner = Thread.currentThread();
    for (Phase p : Phase.values()) {
      steps.put(p, new ArrayList<>());
    }
    this.registration = JavaProcess.onShutdown(this::signal);
  }

  /** Exit status of a command interrupted by Ctrl-C (128 + SIGINT), as a shell reports it. */
  static final int INTERRUPTED = 130;

  /** A command's work under its stop. */
  @FunctionalInterface
  interface Body {
    int run(OrderlyStop stop) throws Exception;
  }

  /**
   * Runs {@code body} on the calling thread with a stop of its own, closed when the body returns or
   * throws; returns the body's status, or {@link #INTERRUPTED} when a signal ended it (the JVM then
   * exits with the signal's own status).
   */
  static int runCommand(String command, Body body) throws Exception {
    OrderlyStop stop = install(command);
    try {
      return body.run(stop);
    } catch (Exception e) {
      if (stop.signalled()) {
        return INTERRUPTED;
      }
      throw e;
    } finally {
      stop.close();
    }
  }

  /**
   * For the calling thread's command ({@code run}, {@code up}, {@code bench}), until {@link
   * #close()}.
   */
  static OrderlyStop install(String command) {
    return new OrderlyStop(command);
  }

  /** Whether a signal (or {@link System#exit} from elsewhere) started the stop. */
  boolean signalled() {
    return signalled.get();
  }

  /**
   * Adds a step: {@code action} runs in {@code phase}, for at most {@code bound} (then the stop
   * goes on without it). Once stopping, runs {@code action} at once and throws {@link
   * StoppingException}.
   */
  void step(Phase phase, String name, Duration bound, Action action) {
    Step step = new Step(name, bound, action);
    synchronized (this) {
      if (!closing) {
        steps.get(phase).add(step);
        return;
      }
    }
    run(step);
    throw new StoppingException(name);
  }

  /** A {@link #step} that closes {@code resource}; returns it. */
  <T extends AutoCloseable> T add(Phase phase, String name, Duration bound, T resource) {
    step(phase, name, bound, resource::close);
    return resource;
  }

  /** Deletes {@code dir} in {@link Phase#FILES}, after every process that may write there. */
  void deleteAtEnd(Path dir) {
    step(Phase.FILES, "delete " + dir, Duration.ofSeconds(30), () -> deleteRecursively(dir));
  }

  /** The JVM is shutting down: stop everything, in order, before the reaper kills what is left. */
  private void signal() {
    if (signalled.compareAndSet(false, true)) {
      System.err.printf(
          "%ncutflow %s: stopping (workers finish the images they hold, then everything shuts"
              + " down)…%n",
          command);
      System.err.flush();
    }
    close();
  }

  /**
   * Runs every step once, in order; a second caller waits for the first. The owner's thread calls
   * it from its {@code finally}.
   */
  @Override
  public void close() {
    if (Thread.currentThread() == owner) {
      ownerParked.countDown();
    }
    boolean first;
    synchronized (this) {
      first = !closing;
      closing = true;
    }
    if (!first) {
      awaitDone();
      return;
    }
    try {
      for (Phase phase : Phase.values()) {
        if (phase == Phase.INGEST) {
          stopOwner();
        }
        if (phase == Phase.FILES) {
          killLeftovers();
        }
        for (Step step : steps.get(phase)) {
          run(step);
        }
      }
    } finally {
      done.countDown();
      try {
        registration.close();
      } catch (Exception e) {
        // cannot fail
      }
    }
  }

  private void awaitDone() {
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** On a signal: the command's thread stops what it waits for and reaches {@link #close()}. */
  private void stopOwner() {
    if (Thread.currentThread() == owner || ownerParked.getCount() == 0) {
      return;
    }
    owner.interrupt();
    try {
      if (!ownerParked.await(20, TimeUnit.SECONDS)) {
        log.atWarn()
            .setMessage("the command's thread did not stop; going on without it")
            .addKeyValue("command", command)
            .log();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whatever child a step could not stop (or that started meanwhile) must not outlive us. */
  private static void killLeftovers() {
    for (JavaProcess p : JavaProcess.live()) {
      if (p.isAlive()) {
        log.atWarn()
            .setMessage("child process still running; killing it")
            .addKeyValue("name", p.name())
            .addKeyValue("pid", p.pid())
            .log();
      }
      p.destroy(Duration.ofSeconds(3));
    }
  }

  /** Runs one step on a thread of its own, so that a hung close cannot wedge the stop. */
  private void run(Step step) {
    Thread t =
        new Thread(
            () -> {
              try {
                step.action().run();
              } catch (Exception | Error e) {
                log.atWarn()
                    .setMessage("stop step failed")
                    .addKeyValue("command", command)
                    .addKeyValue("step", step.name())
                    .setCause(e)
                    .log();
              }
            },
            command + "-stop-" + step.name());
    t.setDaemon(true);
    t.start();
    try {
      t.join(step.bound().toMillis());
    } catch (InterruptedException e) {
      // The owner's thread is interrupted on a signal while it may be closing: finish the stop.
      try {
        t.join(step.bound().toMillis());
      } catch (InterruptedException again) {
        Thread.currentThread().interrupt();
      }
    }
    if (t.isAlive()) {
      log.atWarn()
          .setMessage("stop step did not finish in time; going on")
          .addKeyValue("command", command)
          .addKeyValue("step", step.name())
          .addKeyValue("bound_ms", step.bound().toMillis())
          .log();
    }
  }

  /** Deletes {@code dir} and everything under it; throws if something could not be deleted. */
  static void deleteRecursively(Path dir) throws IOException {
    // twice: a process that was still writing when it was killed may have added a file
    for (int attempt = 1; attempt <= 2 && Files.exists(dir); attempt++) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          try {
            Files.deleteIfExists(p);
          } catch (DirectoryNotEmptyException e) {
            // the next attempt
          }
        }
      } catch (NoSuchFileException | UncheckedIOException e) {
        // something else deleted part of it meanwhile (e.g. the broker's own cleanup)
      }
    }
    if (Files.exists(dir)) {
      throw new IOException("could not delete " + dir);
    }
  }
}
