package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.worker.service.MallocTunables;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The launcher script {@code cutflow} runs {@code remove} and the other in-process commands under
 * the workers' JVM and malloc settings, which a shell script cannot read from Java: it repeats
 * them. This keeps the copies equal to {@link SupervisorSettings#jvmArgs} and {@link
 * MallocTunables#forWorker}.
 */
class LauncherScriptTest {
  private static final Path SCRIPT = Path.of("..", "cutflow");

  @Test
  void removeHeapOptionsAreTheWorkersForOneGigabyte() throws IOException {
    List<String> launcher = words(match("(?m)^\\s*HEAP=\"(-[^\"]+)\"\\s*$"));
    // a worker's supervisor replaces it when it runs out of memory; remove has none, and fails
    // the image instead (ImageDecoder, MemoryBudget)
    List<String> worker = new ArrayList<>(SupervisorSettings.jvmArgs("1g"));
    worker.remove("-XX:+ExitOnOutOfMemoryError");

    assertEquals(worker, launcher);
  }

  @Test
  void defaultMallocTunablesAreTheWorkers() throws IOException {
    String launcher = match("GLIBC_TUNABLES=\"\\$\\{GLIBC_TUNABLES:-([^}]+)}\"");

    assertEquals(set(MallocTunables.forWorker(true, null)), set(launcher));
  }

  /**
   * C1 alone compiles the launcher's JVM for the commands that only move files and messages; a
   * command that works on images in this JVM (the ones given the workers' heap) needs C2's
   * vectorised loops.
   */
  @Test
  void onlyCommandsWithoutImageWorkInProcessRunOnC1Alone() throws IOException {
    Set<String> c1 =
        Set.copyOf(
            words(
                match(
                    "(?m)^if \\[\\[ \" ([a-z ]+) \" == .*\\n\\s*JIT=\"-XX:TieredStopAtLevel=1\"")));
    Set<String> imagesInProcess =
        Set.copyOf(words(match("(?m)^if \\[\\[ \" ([a-z -]+) \" == .*\\n\\s*HEAP=\"-")));

    assertEquals(Set.of("run", "bench", "ingest"), c1);
    assertTrue(imagesInProcess.contains("remove"), imagesInProcess::toString);
    assertTrue(imagesInProcess.contains("cold-start"), imagesInProcess::toString);
    assertTrue(c1.stream().noneMatch(imagesInProcess::contains), c1 + " vs " + imagesInProcess);
    assertTrue(
        Files.readString(SCRIPT).contains("exec java $HEAP $JIT ${CUTFLOW_JAVA_OPTS:-}"),
        "the last exec passes $JIT");
  }

  private static String match(String regex) throws IOException {
    Matcher m = Pattern.compile(regex).matcher(Files.readString(SCRIPT));
    assertTrue(m.find(), () -> regex + " not found in " + SCRIPT.toAbsolutePath());
    return m.group(1);
  }

  private static List<String> words(String s) {
    return Arrays.asList(s.trim().split("\\s+"));
  }

  private static Set<String> set(String tunables) {
    return Arrays.stream(tunables.split(":")).collect(Collectors.toSet());
  }
}
