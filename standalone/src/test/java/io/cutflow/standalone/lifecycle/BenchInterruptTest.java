package io.cutflow.standalone.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.standalone.infra.TestPhotos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on {@code cutflow bench}, in its raw phase and in its pipeline phase (embedded broker and
 * S3 server, a worker process with the real model): it stops with 130 and leaves no process and no
 * temporary data behind (it used to leave its copies of the images and the stack's data in /tmp,
 * and its children to the reaper).
 */
class BenchInterruptTest {
  @TempDir Path home;

  private Path photos;

  @BeforeEach
  void needsPhotosAndModel() {
    photos = TestPhotos.dir();
    Assumptions.assumeTrue(photos != null, "shared/testdata/photos not found beside the checkout");
    Assumptions.assumeTrue(CliProcess.modelCache().isPresent(), "no models/cache in the checkout");
  }

  @Test
  void sigintInThePipelineStopsTheStackAndDeletesTheCopies() throws Exception {
    try (CliProcess bench = start()) {
      // broker, S3 server and worker up, the images going through: the case that outlasted the
      // stop's wait for the command's thread when bench closed the stack itself
      assertTrue(
          bench.await(() -> outContains(bench, "partitions assigned"), Duration.ofMinutes(5)),
          "no pipeline within 5 minutes; stdout:\n" + bench.out() + "\nstderr:\n" + bench.err());
      Thread.sleep(5_000);
      assertEquals(1, bench.tempEntries("cutflow-bench-").size(), "the bench's directory");
      assertTrue(bench.process.descendants().count() >= 3, "broker, S3 server, worker");
      List<ProcessHandle> descendants = bench.process.descendants().toList();

      bench.kill("INT");

      assertStoppedAndLeftNothing(bench, descendants);
      assertFalse(bench.out().contains("pipeline/raw throughput ratio"), bench.out());
    }
  }

  @Test
  void sigintBeforeThePipelineEndsTheRawRuns() throws Exception {
    try (CliProcess bench = start()) {
      assertTrue(
          bench.await(() -> outContains(bench, "bench: "), Duration.ofMinutes(2)),
          "no start within 2 minutes; stderr:\n" + bench.err());
      Thread.sleep(5_000); // the model loading, warming up or in its raw runs

      bench.kill("INT");

      assertStoppedAndLeftNothing(bench, List.of());
      assertFalse(bench.out().contains("raw onnxruntime before the pipeline"), bench.out());
    }
  }

  private CliProcess start() throws Exception {
    return CliProcess.start(
        home.resolve("cli"), Map.of(), "bench", photos.toString(), "--passes", "1");
  }

  private static void assertStoppedAndLeftNothing(CliProcess bench, List<ProcessHandle> children)
      throws Exception {
    assertTrue(
        bench.process.waitFor(3, TimeUnit.MINUTES),
        "still running 3 minutes after SIGINT; stderr:\n" + bench.err());
    assertEquals(130, bench.process.exitValue(), bench.err());
    for (ProcessHandle p : children) {
      assertFalse(p.isAlive(), "left running: " + p.pid() + " " + p.info().commandLine());
    }
    assertEquals(List.of(), bench.tempEntries("cutflow-"), "temp data left");
    assertTrue(bench.err().contains("cutflow bench: stopping"), bench.err());
    assertFalse(bench.err().contains("did not stop"), bench.err());
    assertFalse(bench.err().contains("still running; killing it"), bench.err());
  }

  private static boolean outContains(CliProcess p, String text) {
    try {
      return p.out().contains(text);
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
