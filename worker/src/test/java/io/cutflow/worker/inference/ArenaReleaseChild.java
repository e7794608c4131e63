package io.cutflow.worker.inference;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A process for {@link ArenaReleaseTest}: runs a model whose products need about 200 MiB at once,
 * twice, then once asking to release the arena, then once more, and prints its resident memory
 * after each step ({@code full}, {@code released}, {@code refilled}, in bytes), whether the
 * releasing run's output equals a plain run's ({@code same}) and the session's release count. A
 * process of its own, with a small heap, so that the heap of other tests cannot move the figures.
 */
public final class ArenaReleaseChild {
  private static final int BRANCHES = 16;
  private static final int SIDE = 1024;

  public static void main(String[] args) throws Exception {
    Path status = Path.of("/proc/self/status");
    TinyOnnx graph = new TinyOnnx().input("input", 1, 3, SIDE, SIDE);
    List<String> products = new ArrayList<>();
    for (int i = 0; i < BRANCHES; i++) {
      graph.constant("w" + i, new float[] {i + 1, -i, 0.5f}, 1, 3, 1, 1);
      graph.node("Mul", List.of("input", "w" + i), List.of("p" + i));
      products.add("p" + i);
    }
    Path model =
        graph
            .node("Sum", products, List.of("mask"))
            .output("mask", 1, 3, SIDE, SIDE)
            .write(Path.of(args[0]));
    ModelProfile profile = TinyOnnx.plainProfile("branches", SIDE, ModelProfile.Activation.NONE);
    try (InferenceSession s =
        new InferenceSession(model, profile, new InferenceSession.Settings(1, false))) {
      FloatBuffer in = s.newInputBuffer();
      for (int i = 0; i < in.capacity(); i++) {
        in.put(i, (i % 7) - 3);
      }
      float[] kept = values(s.run(in));
      values(s.run(in)); // the arena holds what a run needs by now
      System.out.println("full=" + rssBytes(status));
      float[] released = values(s.run(in, true));
      System.out.println("released=" + rssBytes(status));
      System.out.println("same=" + Arrays.equals(kept, released));
      values(s.run(in));
      System.out.println("refilled=" + rssBytes(status));
      System.out.println("releases=" + s.arenaReleases());
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
