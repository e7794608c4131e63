package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading CPU time from /proc, as {@code cutflow bench} reports it per process and thread. */
class ProcessCpuTest {
  @Test
  void parsesUserPlusSystemTicksEvenWhenTheNameHoldsSpacesAndParentheses() {
    String line =
        "4242 (C2 Compiler (x) 1) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 30 0 99";
    assertEquals(287, ProcessCpu.ticksOf(line));
  }

  @Test
  void groupsThreadsByNameWithoutTheirNumber() {
    assertEquals("fetch", ProcessCpu.group("fetch-12"));
    assertEquals("finish", ProcessCpu.group("finish-2"));
    assertEquals("inference", ProcessCpu.group("inference"));
    assertEquals("C2 CompilerThre", ProcessCpu.group("C2 CompilerThre"));
    assertEquals("GC Thread", ProcessCpu.group("GC Thread#1"));
    assertEquals("42", ProcessCpu.group("42"));
  }

  @Test
  void thisProcessAndThisThreadHaveSpentCpu() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc here");
    long pid = ProcessHandle.current().pid();
    long before = ProcessCpu.processNanos(pid);
    String name = Thread.currentThread().getName();
    Thread.currentThread().setName("busy-7");
    long x = 0;
    long until = System.nanoTime() + 300_000_000L;
    while (System.nanoTime() < until) {
      x += Long.numberOfTrailingZeros(x + System.nanoTime());
    }
    assertTrue(x >= 0);
    assertTrue(ProcessCpu.processNanos(pid) > before, "process CPU grew");
    Map<String, Long> threads = ProcessCpu.threadNanos(pid);
    Thread.currentThread().setName(name);
    assertTrue(threads.getOrDefault("busy", 0L) > 0, "this thread is counted by group: " + threads);
    assertEquals(
        Map.of("a", 5L, "b", 2L), ProcessCpu.delta(Map.of("a", 1L), Map.of("a", 6L, "b", 2L)));
  }
}
