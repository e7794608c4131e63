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
 * The threads that run a session's model — the thread that calls {@link InferenceSession#run} and
 * ONNX Runtime's intra-op pool — and their scheduling. A worker puts them under Linux's {@code
 * SCHED_FIFO} real-time policy once it is active ({@code cutflow.worker.model-realtime}), so that
 * its other threads, the JIT, the collector and the other processes on the machine run in the gaps
 * the model leaves instead of holding up its operators: ONNX Runtime's CPU kernels split each
 * convolution into one fixed piece per intra-op thread, and a piece whose thread is held off its
 * core holds up the whole operator (docs/benchmarks.md, "The model's threads at real-time
 * priority"). It is off by default: while the model runs, every other thread on the machine gets
 * only the gaps it leaves (on 2 cores, a test's own thread waited seconds for a core); ONNX
 * Runtime's pool alone at real-time priority did not help (the caller's piece was held up instead).
 *
 * <p>The pool's threads get priority 2 and the calling thread 1: the caller spins while it waits
 * for the pool's pieces, and a pool thread that does not spin (a worker's default) blocks once its
 * piece is done, so a waiting caller always yields to the threads it waits for, whatever else runs
 * at these priorities (another worker's model on the same cores). Linux keeps 5 % of each core for
 * other threads ({@code kernel.sched_rt_runtime_us}), and the model leaves gaps between operators.
 *
 * <p>Needs the right to set real-time priority (root, or {@code CAP_SYS_NICE}; the Docker image's
 * unprivileged user has neither) and util-linux's {@code chrt}; without them the threads keep their
 * normal priority and the first refusal is logged, once. Linux only: elsewhere nothing is tracked
 * and nothing changes.
 */
public final class ModelThreads {
  private static final Logger log = LoggerFactory.getLogger(ModelThreads.class);

  static final int POOL_PRIORITY = 2;
  static final int CALLER_PRIORITY = 1;

  private static final Path TASKS = Path.of("/proc/self/task");

  /** {@code chrt} and its options before priority and thread id; tests name a missing program. */
  private final List<String> chrt;

  /** The live sessions' intra-op threads (guarded by this). */
  private final Set<Integer> pool = new LinkedHashSet<>();

  /** Threads already at their real-time priority (guarded by this). */
  private final Set<Integer> raised = new LinkedHashSet<>();

  private boolean wanted;

  /** The thread raised to {@link #CALLER_PRIORITY}; null until one is (guarded by this). */
  private Thread caller;

  /** Why the first change was refused; null until one is (guarded by this). */
  private String refusal;

  /**
   * With {@code --reset-on-fork}: a thread that the inference thread starts (the finish stage's
   * pool grows from its submissions, the HTTP client's from theirs) starts at normal priority
   * instead of inheriting the model's.
   */
  ModelThreads() {
    this(List.of("chrt", "--fifo", "--reset-on-fork", "--pid"));
  }

  ModelThreads(List<String> chrt) {
    this.chrt = List.copyOf(chrt);
  }

  /**
   * From now on, the thread of each {@link InferenceSession#run} and the intra-op pools go to their
   * real-time priorities: the pools now and as sessions open, the calling thread at its next run.
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

  /** Before a run: the calling thread to its priority, where wanted and not done yet. */
  synchronized void beforeRun() {
    if (!wanted || refusal != null || Thread.currentThread() == caller) {
      return; // every run after the first: no look at /proc
    }
    int self = currentTid();
    if (self > 0 && raise(self, CALLER_PRIORITY)) {
      caller = Thread.currentThread();
      log.atInfo()
          .setMessage("model threads at real-time priority")
          .addKeyValue("policy", "SCHED_FIFO")
          .addKeyValue("caller_thread", self + " (priority " + CALLER_PRIORITY + ")")
          .addKeyValue("intra_op_threads", pool() + " (priority " + POOL_PRIORITY + ")")
          .log();
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
