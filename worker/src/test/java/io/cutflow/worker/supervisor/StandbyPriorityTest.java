package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class StandbyPriorityTest {

  @Test
  void niceOutsideZeroToNineteenIsRefusedAndZeroIsOff() {
    assertThrows(IllegalArgumentException.class, () -> new StandbyPriority(20, true));
    assertThrows(IllegalArgumentException.class, () -> new StandbyPriority(-1, true));
    assertFalse(new StandbyPriority(0, true).available());
    assertFalse(new StandbyPriority(19, false).available());
  }

  @Test
  void lowersAndRestoresAnotherSessionsAutogroup() throws Exception {
    Assumptions.assumeTrue(
        StandbyPriority.of(19).available(), "no Linux autogroup on this machine");
    Path setsid = Path.of("/usr/bin/setsid");
    Assumptions.assumeTrue(Files.isExecutable(setsid), "no setsid");
    OptionalInt ours = StandbyPriority.read(ProcessHandle.current().pid());
    // a child still in our session: refused, or it would be our own autogroup that changed
    Process same = new ProcessBuilder("sleep", "30").start();
    try {
      assertThrows(IOException.class, () -> StandbyPriority.write(same.pid(), 19));
      assertEquals(ours, StandbyPriority.read(ProcessHandle.current().pid()));
    } finally {
      same.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    Process p = new ProcessBuilder(setsid.toString(), "sleep", "30").start();
    try {
      long pid = p.pid();
      StandbyPriority priority = StandbyPriority.of(19);
      retrying(() -> priority.lower(pid));
      assertEquals(OptionalInt.of(19), StandbyPriority.read(pid));
      retrying(
          () -> priority.restore(pid)); // up again: allowed for the owner, unlike a process's nice
      assertEquals(OptionalInt.of(0), StandbyPriority.read(pid));
      assertEquals(
          ours,
          StandbyPriority.read(ProcessHandle.current().pid())); // another autogroup: untouched
    } finally {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private interface Write {
    void run() throws IOException;
  }

  /**
   * Until setsid has run, and while unprivileged writes are rate-limited (one per 100 ms), writes
   * fail.
   */
  private static void retrying(Write w) throws Exception {
    IOException last = null;
    for (int i = 0; i < 25; i++) {
      try {
        w.run();
        return;
      } catch (IOException e) {
        last = e;
        Thread.sleep(40);
      }
    }
    throw last;
  }
}
