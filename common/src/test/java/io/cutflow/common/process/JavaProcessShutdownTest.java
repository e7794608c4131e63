package io.cutflow.common.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Children in sessions of their own (a terminal's Ctrl-C reaches only the parent), settings by the
 * environment rather than the command line, and an owner's orderly stop that runs at JVM shutdown
 * before the reaper, with no child starting from then on.
 */
class JavaProcessShutdownTest {
  @TempDir Path dir;

  private static String awaitLog(JavaProcess p, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(p.logFile())) {
        String log = Files.readString(p.logFile(), StandardCharsets.UTF_8);
        if (log.contains(text)) {
          return log;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("log never contained '" + text + "': " + p.logTail(20));
  }

  /** Field 6 of /proc/PID/stat, after the parenthesised command name. */
  private static long session(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
  }

  /**
   * The command line as {@code ps -eo args} shows it to every user: ProcessHandle's arguments where
   * the JDK gives them (it gives none for a command line longer than a page, e.g. with a long class
   * path), else /proc/PID/cmdline.
   */
  static List<String> arguments(ProcessHandle p) throws IOException {
    Optional<String[]> args = p.info().arguments();
    if (args.isPresent()) {
      return List.of(args.get());
    }
    String raw =
        new String(
            Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline")), StandardCharsets.UTF_8);
    return List.of(raw.split("\0"));
  }

  @Test
  void childRunsInASessionOfItsOwnWithSettingsInItsEnvironmentOnly() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
    String secret = "s3cr3t-" + System.nanoTime();
    JavaProcess p =
        JavaProcess.builder(SleepMain.class)
            .env("SLEEP_MAIN_MARKER", secret)
            .logFile(dir.resolve("child.log"))
            .start();
    try {
      awaitLog(p, "sleep-main started");
      Assumptions.assumeTrue(p.ownSession(), "no setsid on this machine");
      assertEquals(p.pid(), session(p.pid()), "the child leads a session of its own");
      assertNotEquals(session(ProcessHandle.current().pid()), session(p.pid()));
      List<String> args = arguments(p.handle());
      assertTrue(args.contains(SleepMain.class.getName()), args.toString());
      assertFalse(args.stream().anyMatch(a -> a.contains(secret)), args.toString());
      String environ =
          new String(
              Files.readAllBytes(Path.of("/proc/" + p.pid() + "/environ")), StandardCharsets.UTF_8);
      assertTrue(environ.contains("SLEEP_MAIN_MARKER=" + secret));
    } finally {
      p.destroy(Duration.ofSeconds(2));
    }
  }

  @Test
  void orderlyStopRunsBeforeTheReaperAndNoChildStartsDuringShutdown() throws Exception {
    Path grandchildLog = dir.resolve("grandchild.log");
    JavaProcess p =
        JavaProcess.builder(ShutdownOrderMain.class)
            .args(grandchildLog.toString())
            .logFile(dir.resolve("parent.log"))
            .start();
    try {
      Matcher m = Pattern.compile("ready grandchild=(\\d+)").matcher(awaitLog(p, "ready"));
      assertTrue(m.find());
      ProcessHandle grandchild = ProcessHandle.of(Long.parseLong(m.group(1))).orElseThrow();

      p.handle().destroy(); // SIGTERM, as `kill PID` sends it: the JVM shuts down

      assertTrue(p.waitFor(Duration.ofSeconds(30)), p.logTail(20));
      String log = Files.readString(p.logFile(), StandardCharsets.UTF_8);
      assertTrue(log.contains("stop: grandchild alive=true"), log);
      assertTrue(log.contains("late child refused: not starting SleepMain"), log);
      assertTrue(log.contains("stop: done"), log);
      assertFalse(grandchild.isAlive(), "grandchild left running");
      assertFalse(Files.exists(Path.of(grandchildLog + ".late")), "a late child was started");
    } finally {
      p.destroy(Duration.ofSeconds(2));
    }
  }
}
