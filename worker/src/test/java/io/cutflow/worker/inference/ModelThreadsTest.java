package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which threads {@link ModelThreads} finds, and the priorities it gives them. */
class ModelThreadsTest {
  private static final int SCHED_OTHER = 0;
  private static final int SCHED_FIFO = 1;

  @TempDir Path dir;

  private InferenceSession session(int threads) throws Exception {
    Path model = TinyOnnx.mulModel(dir.resolve("mul.onnx"));
    return new InferenceSession(
        model,
        TinyOnnx.plainProfile("mul", 16, ModelProfile.Activation.NONE),
        new InferenceSession.Settings(threads, false));
  }

  @Test
  void findsEachSessionsIntraOpThreadsAndNoOthers() throws Exception {
    try (InferenceSession s = session(3)) {
      List<Integer> first = s.threads().pool();
      assertEquals(2, first.size(), "3 intra-op threads: the caller and a pool of 2");
      for (int tid : first) {
        assertTrue(Files.exists(Path.of("/proc/self/task/" + tid)), tid + " is this process's");
      }
      FloatBuffer in = s.newInputBuffer();
      s.run(in);
      s.emptyArena(); // closes the session: its pool ends; the next run opens another
      s.run(in);
      List<Integer> second = s.threads().pool();
      assertEquals(2, second.size(), "the closed session's threads are gone: " + second);
      assertFalse(second.stream().anyMatch(first::contains), first + " then " + second);
    }
  }

  @Test
  void realtimeRaisesThePoolAndTheCallerAndNotTheThreadsTheCallerStarts() throws Exception {
    try (InferenceSession s = session(2)) {
      s.threads().realtime();
      Assumptions.assumeTrue(
          s.threads().refusal() == null,
          () -> "this machine refuses real-time priority: " + s.threads().refusal());
      List<Integer> pool = s.threads().pool();
      assertEquals(1, pool.size());
      AtomicReference<int[]> caller = new AtomicReference<>();
      AtomicReference<int[]> started = new AtomicReference<>();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  s.run(s.newInputBuffer());
                  caller.set(policy(ModelThreads.currentTid()));
                  Thread child = new Thread(() -> started.set(policy(ModelThreads.currentTid())));
                  child.start();
                  child.join();
                } catch (Throwable e) {
                  failed.set(e);
                }
              },
              "model-caller");
      t.start();
      t.join();
      assertNull(failed.get());
      assertNull(s.threads().refusal());
      assertPolicy(SCHED_FIFO, ModelThreads.POOL_PRIORITY, policy(pool.get(0)), "pool");
      assertPolicy(SCHED_FIFO, ModelThreads.CALLER_PRIORITY, caller.get(), "caller");
      assertPolicy(SCHED_OTHER, 0, started.get(), "a thread the caller starts");
    }
  }

  @Test
  void withoutChrtTheThreadsStayAtNormalPriorityAndTheReasonIsKept() {
    ModelThreads threads = new ModelThreads(List.of(dir.resolve("no-chrt").toString(), "--fifo"));
    threads.realtime();
    threads.beforeRun();
    assertNotNull(threads.refusal());
    assertTrue(threads.refusal().startsWith("cannot run "), threads.refusal());
    assertPolicy(SCHED_OTHER, 0, policy(ModelThreads.currentTid()), "this thread");
  }

  @Test
  void aThreadStartedElsewhereDuringAnOpenIsNotThePools() throws Exception {
    ModelThreads threads = new ModelThreads();
    var before = ModelThreads.snapshot();
    List<Thread> others = new ArrayList<>();
    CountDownLatch running = new CountDownLatch(2);
    CountDownLatch checked = new CountDownLatch(1);
    for (int i = 0; i < 2; i++) {
      Thread other =
          new Thread(
              () -> {
                running.countDown();
                try {
                  checked.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "someone-else-" + i);
      other.start();
      others.add(other);
    }
    running.await();
    threads.opened(before);
    checked.countDown();
    assertEquals(List.of(), threads.pool(), "Java threads have names of their own");
    for (Thread other : others) {
      other.join();
    }
  }

  /** {policy, real-time priority} of thread {@code tid} of this process. */
  private static int[] policy(int tid) {
    try {
      String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new int[] {Integer.parseInt(f[38]), Integer.parseInt(f[37])};
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertPolicy(int policy, int priority, int[] actual, String what) {
    assertEquals(policy + "/" + priority, actual[0] + "/" + actual[1], what + ": policy/priority");
  }
}
