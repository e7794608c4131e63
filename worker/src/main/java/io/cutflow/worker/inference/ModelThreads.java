package io.cutflow.worker.inference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime's intra-op threads of a session's model, and their scheduling. A worker puts them
 * under Linux's {@code SCHED_FIFO} real-time policy once it is active ({@code
 * cutflow.worker.model-realtime}): ONNX Runtime's CPU kernels split each convolution into one fixed
 * piece per intra-op thread, and a piece whose thread is held off its core by the worker's other
 * threads, the JIT, the collector or another process holds up the whole operator
 * (docs/benchmarks.md, "The model's threads at real-time priority").
 *
 * <p>Only the pool: the thread that calls the model (the caller's piece is the rest) stays at
 * normal priority. It spins at the end of every parallel section until the pool's pieces are done,
 * so at real-time priority it would hold its core through the whole run, and the rest of the
 * machine would wait seconds for a core (a fault test's own thread did, in a first version that
 * raised it too). The pool's threads block as soon as their piece is done (workers do not let them
 * spin), which leaves the cores to everything else between pieces.
 *
 * <p>Needs the right to set real-time priority (root, or {@code CAP_SYS_NICE}; the Docker image's
 * unprivileged user has neither) and util-linux's {@code chrt}; without them the threads keep their
 * normal priority and the first refusal is logged, once. Linux only: elsewhere nothing is tracked
 * and nothing changes.
 */
public final class ModelThreads {
  private static final Logger log = LoggerFactory.getLogger(ModelThreads.class);

  static final int POOL_PRIORITY = 1;

  private static final Path TASKS = Path.of("/proc/self/task");

  /** {@code chrt} and its options before priority and thread id; tests name a missing program. */
  private final List<String> chrt;

  /** The live sessions' intra-op threads (guarded by this). */
  private final Set<Integer> pool = new LinkedHashSet<>();

  /** Threads already at their real-time priority (guarded by this). */
  private final Set<Integer> raised = new LinkedHashSet<>();

  private boolean wanted;

  private boolean announced;

  /** Why the first change was refused; null until one is (guarded by this). */
  private String refusal;

  /**
   * With {@code --reset-on-fork}: no thread that a raised one might start inherits its priority.
   */
  ModelThreads() {
    this(List.of("chrt", "--fifo", "--reset-on-fork", "--pid"));
  }

  ModelThreads(List<String> chrt) {
    this.chrt = List.copyOf(chrt);
  }

  /**
   * From now on, the intra-op threads run at real-time priority: those now, and each session's as
   * it opens.
   */
  public synchronized void realtime() {
    wanted = true;
    raisePool();
  }

  /** Why the threads stay at normal priority; null while nothing was refused. */
  public synchronized String refusal() {
    return refusal;
  }

  /** The live sessions' intra-op threads, as Linux thread ids. */
  synchronized List<Integer> pool() {
    // a closed session's threads are gone, and Linux may give their ids to new threads
    pool.removeIf(ModelThreads::gone);
    raised.removeIf(ModelThreads::gone);
    return List.copyOf(pool);
  }

  private static boolean gone(int tid) {
    return !Files.exists(TASKS.resolve(Integer.toString(tid)));
  }

  /** The threads of this process before a session opens; empty where there is no /proc. */
  static Set<Integer> snapshot() {
    Set<Integer> ids = new LinkedHashSet<>();
    try (Stream<Path> tasks = Files.list(TASKS)) {
      tasks.forEach(t -> ids.add(Integer.parseInt(t.getFileName().toString())));
    } catch (IOException | RuntimeException e) {
      ids.clear(); // not Linux: nothing to compare with after the open
    }
    return ids;
  }

  /**
   * After a session opened on this thread: its pool's threads are those started since {@code
   * before} under this thread's name (ONNX Runtime's threads take their creator's name; a Java
   * thread started meanwhile by another thread has a name of its own).
   */
  void opened(Set<Integer> before) {
    if (before.isEmpty()) {
      return;
    }
    String creator = comm(currentTid());
    List<Integer> started = new ArrayList<>();
    for (int tid : snapshot()) {
      if (!before.contains(tid) && creator != null && creator.equals(comm(tid))) {
        started.add(tid);
      }
    }
    synchronized (this) {
      pool.addAll(started);
      raisePool();
    }
  }

  private void raisePool() {
    if (!wanted) {
      return;
    }
    for (int tid : pool()) {
      if (refusal != null) {
        return;
      }
      if (!raised.contains(tid)) {
        raise(tid, POOL_PRIORITY);
      }
    }
    if (!announced && refusal == null && !raised.isEmpty()) {
      announced = true;
      log.atInfo()
          .setMessage("model's intra-op threads at real-time priority")
          .addKeyValue("policy", "SCHED_FIFO")
          .addKeyValue("priority", POOL_PRIORITY)
          .addKeyValue("threads", List.copyOf(raised))
          .log();
    }
  }

  private boolean raise(int tid, int priority) {
    List<String> cmd = new ArrayList<>(chrt);
    cmd.add(Integer.toString(priority));
    cmd.add(Integer.toString(tid));
    String said;
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        raised.add(tid);
        return true;
      }
      p.destroyForcibly();
    } catch (IOException e) {
      said = "cannot run " + chrt.get(0) + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      said = "interrupted";
    }
    refusal = said.isEmpty() ? chrt.get(0) + " failed" : said;
    log.atInfo()
        .setMessage("model threads stay at normal priority")
        .addKeyValue("reason", refusal)
        .addKeyValue(
            "fix",
            "real-time priority needs root or CAP_SYS_NICE (the Docker image's unprivileged user"
                + " has neither) and util-linux's chrt; cutflow.worker.model-realtime=false stops"
                + " trying")
        .log();
    return false;
  }

  /** This thread's Linux id; -1 where there is no /proc/thread-self. */
  static int currentTid() {
    try {
      return Integer.parseInt(
          Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** A thread's name as Linux has it; null where it is gone. */
  static String comm(int tid) {
    try {
      return Files.readString(TASKS.resolve(tid + "/comm"), StandardCharsets.UTF_8).strip();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
