package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process running ONNX Runtime on a thread of its own, asked to end by SIGTERM while the model
 * runs: with {@link StopSignals} the run finishes before the JVM shuts down (and with it ONNX
 * Runtime's own shutdown hook, which releases the environment), the process exits with 143, and
 * nothing crashes. The crash it prevents was seen with ISNet in {@code cutflow remove}; this
 * child's small model did not crash without it, so the test checks the order, not the crash.
 */
class StopSignalsTest {
  @TempDir Path dir;

  @Test
  void sigtermWhileTheModelRunsLetsItFinishThenExits143() throws Exception {
    for (int attempt = 1; attempt <= 3; attempt++) {
      sigtermWhileTheModelRuns("try-" + attempt, null, 143);
    }
  }

  @Test
  void aStopThatGivesAStatusExitsWithIt() throws Exception {
    // as a worker does: it tells its supervisor why it stopped by its own exit code
    sigtermWhileTheModelRuns("status", "0", 0);
  }

  private void sigtermWhileTheModelRuns(String name, String status, int expected) throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                StopSignalsChild.class.getName(),
                work.resolve("chain.onnx").toString()));
    if (status != null) {
      command.add(status);
    }
    Process child =
        new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        lines.add(line);
        if (line.equals("running")) {
          child.toHandle().destroy(); // SIGTERM while the loop is in a run; streams kept open
        }
      }
    }
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child still running: " + lines);
    assertEquals(expected, child.exitValue(), "exit status of a SIGTERM'd child: " + lines);
    assertTrue(lines.contains("drained"), "the stop let the model finish: " + lines);
    assertFalse(
        lines.stream().anyMatch(l -> l.contains("SIGSEGV") || l.contains("fatal error")),
        String.join("\n", lines));
    try (Stream<Path> files = Files.list(work)) {
      assertFalse(
          files.anyMatch(f -> f.getFileName().toString().startsWith("hs_err")),
          "no JVM crash report");
    }
  }
}
