package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.image.PngWriter;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run asked to release the arena gives the arena's memory back to the system, and a worker asks
 * for it after a large image's run only.
 */
class ArenaReleaseTest {
  private static final long MIB = 1 << 20;
  private static final int BRANCHES = 16;

  @TempDir Path dir;

  @Test
  void aReleasingRunGivesTheArenaBackAndTheNextRunFillsItAgain() throws Exception {
    Path status = Path.of("/proc/self/status");
    assumeTrue(Files.isReadable(status), "reads resident memory from /proc (Linux)");
    // eight 12 MiB products live at once before their sum: the arena grows by about 100 MiB
    TinyOnnx graph = new TinyOnnx().input("input", 1, 3, 1024, 1024);
    List<String> products = new ArrayList<>();
    for (int i = 0; i < BRANCHES; i++) {
      graph.constant("w" + i, new float[] {i + 1, -i, 0.5f}, 1, 3, 1, 1);
      graph.node("Mul", List.of("input", "w" + i), List.of("p" + i));
      products.add("p" + i);
    }
    Path model =
        graph
            .node("Sum", products, List.of("mask"))
            .output("mask", 1, 3, 1024, 1024)
            .write(dir.resolve("branches.onnx"));
    ModelProfile profile = TinyOnnx.plainProfile("branches", 1024, ModelProfile.Activation.NONE);
    try (InferenceSession s =
        new InferenceSession(model, profile, new InferenceSession.Settings(1, false))) {
      FloatBuffer in = s.newInputBuffer();
      for (int i = 0; i < in.capacity(); i++) {
        in.put(i, (i % 7) - 3);
      }
      float[] kept = values(s.run(in));
      values(s.run(in)); // the arena holds what a run needs by now
      long full = rssBytes(status);
      float[] released = values(s.run(in, true));
      long after = rssBytes(status);
      assertArrayEquals(kept, released, "releasing the arena changes no output");
      assertEquals(1, s.arenaReleases());
      assertTrue(
          full - after >= 48 * MIB,
          "the arena's memory went back: " + full / MIB + " → " + after / MIB + " MiB");
      values(s.run(in));
      assertTrue(
          rssBytes(status) - after >= 48 * MIB,
          "the next run filled the arena again: " + after / MIB + " → " + rssBytes(status) / MIB);
      assertEquals(1, s.arenaReleases(), "a plain run releases nothing");
    }
  }

  @Test
  void aRemoverReleasesTheArenaAfterALargeImageOnly() throws Exception {
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
        remover.remove(large, "large.png", CutoutOptions.DEFAULTS);
        assertEquals(arena ? 1 : 0, s.arenaReleases(), "arena " + arena + ", a large image");
        remover.remove(small, "small.png", CutoutOptions.DEFAULTS);
        assertEquals(arena ? 1 : 0, s.arenaReleases());
        assertEquals(3, s.runCount());
      }
    }
  }

  private static float[] values(FloatBuffer out) {
    float[] v = new float[out.remaining()];
    out.get(v);
    return v;
  }

  private static long rssBytes(Path status) throws IOException {
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) << 10;
      }
    }
    throw new IllegalStateException("no VmRSS in " + status);
  }
}
