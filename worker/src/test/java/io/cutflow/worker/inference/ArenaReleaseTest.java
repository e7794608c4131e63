package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.image.PngWriter;
import io.cutflow.worker.service.MallocTunables;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large image's run (on a session without the arena, this one's closed first) gives the arena's
 * memory back to the system, and a worker asks for it after a large image's run only.
 */
class ArenaReleaseTest {
  private static final long MIB = 1 << 20;

  @TempDir Path dir;

  @Test
  void aReleasingRunGivesTheArenaBackAndTheNextRunFillsItAgain() throws Exception {
    assumeTrue(
        Files.isReadable(Path.of("/proc/self/status")), "reads resident memory from /proc (Linux)");
    // measured in a child JVM: in this one, other tests' heap grows and shrinks between readings;
    // with a worker's malloc settings, under which an arena-free run's blocks go back when freed
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                ArenaReleaseChild.class.getName(),
                dir.resolve("branches.onnx").toString())
            .redirectErrorStream(true);
    pb.environment()
        .put(
            MallocTunables.ENV, MallocTunables.forWorker(false, System.getenv(MallocTunables.ENV)));
    Process child = pb.start();
    List<String> lines;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      lines = out.lines().toList();
    }
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child still running: " + lines);
    assertEquals(0, child.exitValue(), String.join("\n", lines));
    Map<String, String> seen = new HashMap<>();
    for (String line : lines) {
      String[] kv = line.split("=", 2);
      if (kv.length == 2) {
        seen.put(kv[0], kv[1]);
      }
    }
    long full = Long.parseLong(seen.get("full"));
    long released = Long.parseLong(seen.get("released"));
    long refilled = Long.parseLong(seen.get("refilled"));
    assertEquals("true", seen.get("same"), "releasing the arena changes no output");
    assertEquals("1", seen.get("releases"), "a plain run releases nothing: " + lines);
    assertTrue(
        full - released >= 48 * MIB,
        "the arena's memory went back: " + full / MIB + " → " + released / MIB + " MiB");
    assertTrue(
        refilled - released >= 48 * MIB,
        "the next run filled the arena again: " + released / MIB + " → " + refilled / MIB);
  }

  @Test
  void aRemoverEmptiesTheArenaForALargeImageOnly() throws Exception {
    Path model =
        new TinyOnnx()
            .input("input", 1, 3, 16, 16)
            .output("mask", 1, 1, 16, 16)
            .constant("w", new float[] {0.5f, -2f, 3f}, 1, 3, 1, 1)
            .constant("bias", new float[] {0}, 1)
            .node("Conv", List.of("input", "w", "bias"), List.of("mask"))
            .write(dir.resolve("mul.onnx"));
    ModelProfile profile = TinyOnnx.plainProfile("mul", 16, ModelProfile.Activation.SIGMOID);
    // images over half of 1 MiB are large: a 400×400 one leases about 2 MiB, an 8×8 one 1 KiB
    MemoryBudget budget = MemoryBudget.forHeap(1024 * MIB, 0).withSharedLimit(MIB, () -> {});
    byte[] large = SyntheticImages.encode(SyntheticImages.disc(400, 400), "png");
    byte[] small = SyntheticImages.encode(SyntheticImages.disc(8, 8), "png");
    for (boolean arena : new boolean[] {true, false}) {
      try (InferenceSession s =
          new InferenceSession(
              model, profile, new InferenceSession.Settings(1, false).withArena(arena))) {
        BackgroundRemover remover =
            new BackgroundRemover(
                s, new ImageDecoder(ImageLimits.defaults()), new PngWriter(), budget);
        remover.remove(small, "small.png", CutoutOptions.DEFAULTS);
        assertEquals(0, s.arenaReleases(), "a small image keeps the arena");
        BackgroundRemover.Prepared p = remover.prepare(large, "large.png", CutoutOptions.DEFAULTS);
        assertEquals(
            arena ? 1 : 0,
            s.arenaReleases(),
            "arena " + arena + ": emptied once the large image is admitted, before its decoding");
        try (MemoryBudget.Lease ignored = p.memory()) {
          remover.finish(remover.infer(p));
        }
        assertEquals(arena ? 1 : 0, s.arenaReleases(), "arena " + arena + ", a large image");
        remover.remove(small, "small.png", CutoutOptions.DEFAULTS);
        assertEquals(arena ? 1 : 0, s.arenaReleases());
        assertEquals(3, s.runCount());
      }
    }
  }
}
