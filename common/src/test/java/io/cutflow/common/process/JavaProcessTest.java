package io.cutflow.common.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaProcessTest {

  private static void awaitLog(JavaProcess p, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(p.logFile()) && Files.readString(p.logFile()).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("log never contained '" + text + "': " + p.logTail(20));
  }

  @Test
  void childDiesWhenParentPipeCloses(@TempDir Path dir) throws Exception {
    JavaProcess p =
        JavaProcess.builder(SleepMain.class)
            .args("a", "b")
            .env("SLEEP_MAIN_MARKER", "m1")
            .systemProperty("sleep.main.prop", "p1")
            .logFile(dir.resolve("child.log"))
            .start();
    try {
      awaitLog(p, "sleep-main started args=a,b env=m1 prop=p1");
      assertTrue(p.isAlive());
      assertTrue(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false));
      assertTrue(JavaProcess.live().contains(p));

      // what the child sees when the parent is SIGKILLed: EOF on stdin
      p.closeStdin();
      assertTrue(
          p.waitFor(Duration.ofSeconds(20)),
          "child still alive after its stdin closed: " + p.logTail(20));
      assertEquals(ChildMain.PARENT_GONE_STATUS, p.exitCode().orElseThrow());
      assertTrue(Files.readString(p.logFile()).contains("parent process went away"));
    } finally {
      p.destroy(Duration.ofSeconds(2));
    }
  }

  @Test
  void destroyStopsChildAndForgetsIt(@TempDir Path dir) throws Exception {
    JavaProcess p = JavaProcess.builder(SleepMain.class).logFile(dir.resolve("child.log")).start();
    awaitLog(p, "sleep-main started");
    long pid = p.pid();
    p.destroy(Duration.ofSeconds(5));
    assertFalse(p.isAlive());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertFalse(JavaProcess.live().contains(p));
  }
}
