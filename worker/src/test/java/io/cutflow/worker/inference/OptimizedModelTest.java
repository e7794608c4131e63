package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import io.cutflow.worker.model.OptimizedModel;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime's saved optimised model on a tiny convolutional model: a session that loads it
 * computes exactly what a session that optimises the model computes; the file is made once, reused,
 * made again when damaged or when the model changes, kept apart per runtime version, and a cache
 * that cannot take it leaves the session optimising the model as before.
 */
class OptimizedModelTest {
  private static final int SIDE = 32;
  private static final InferenceSession.Settings SAVED = new InferenceSession.Settings(1, false);
  private static final InferenceSession.Settings AT_START = SAVED.withSavedModel(false);
  private static final String RUNTIME = OrtEnvironment.getEnvironment().getVersion();

  @TempDir Path dir;

  /** Two 1×1 convolutions with a ReLU between: fused and re-laid-out by the optimiser. */
  private Path model(String name) {
    Random rnd = new Random(7);
    float[] w1 = new float[8 * 3];
    float[] w2 = new float[8];
    for (int i = 0; i < w1.length; i++) {
      w1[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < w2.length; i++) {
      w2[i] = (float) rnd.nextGaussian();
    }
    return new TinyOnnx()
        .input("input", 1, 3, SIDE, SIDE)
        .output("mask", 1, 1, SIDE, SIDE)
        .constant("w1", w1, 8, 3, 1, 1)
        .constant("w2", w2, 1, 8, 1, 1)
        .node("Conv", List.of("input", "w1"), List.of("h"))
        .node("Relu", List.of("h"), List.of("r"))
        .node("Conv", List.of("r", "w2"), List.of("mask"))
        .write(dir.resolve(name));
  }

  private static ModelProfile profile() {
    return new ModelProfile(
        "tiny",
        SIDE,
        SIDE,
        new double[] {0.5, 0.5, 0.5},
        new double[] {1, 1, 1},
        0,
        ModelProfile.Activation.NONE);
  }

  private static float[] run(Path model, InferenceSession.Settings settings) throws Exception {
    try (InferenceSession s = new InferenceSession(model, profile(), settings)) {
      FloatBuffer in = s.newInputBuffer();
      Random rnd = new Random(11);
      for (int i = 0; i < in.capacity(); i++) {
        in.put(i, (float) rnd.nextGaussian());
      }
      FloatBuffer out = s.run(in);
      float[] values = new float[out.remaining()];
      out.get(values);
      return values;
    }
  }

  private List<String> savedFiles() throws Exception {
    try (var files = Files.list(dir)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.contains(".opt-"))
          .sorted()
          .toList();
    }
  }

  private static OptimizedModel.Optimizer counting(AtomicInteger made) {
    return (src, out) -> {
      made.incrementAndGet();
      SessionOpener.saveOptimised(src, out, SAVED);
    };
  }

  @Test
  void theSavedGraphComputesExactlyWhatTheOptimisedModelDoes() throws Exception {
    Path model = model("m.onnx");
    float[] atStart = run(model, AT_START);
    assertEquals(List.of(), savedFiles(), "optimising at start saves nothing");
    float[] saved = run(model, SAVED);
    assertEquals(SIDE * SIDE, saved.length);
    assertArrayEquals(atStart, saved);
    List<String> names = savedFiles();
    assertEquals(2, names.size(), names.toString());
    assertTrue(names.get(0).matches("m\\.onnx\\.opt-[0-9a-f]{16}\\.ort"), names.toString());
    assertEquals(names.get(0) + ".properties", names.get(1));
    assertArrayEquals(atStart, run(model, SAVED), "the second session loads the saved file");
    try (InferenceSession s = new InferenceSession(model, profile(), SAVED)) {
      assertEquals(names.get(0), s.loadedFrom().getFileName().toString());
    }
    try (InferenceSession s = new InferenceSession(model, profile(), AT_START)) {
      assertEquals(model, s.loadedFrom());
    }
  }

  @Test
  void madeOnceReusedAndMadeAgainWhenDamagedOrTheModelChanges() throws Exception {
    Path model = model("m.onnx");
    AtomicInteger made = new AtomicInteger();
    Path saved = OptimizedModel.of(model, RUNTIME, counting(made));
    assertNotNull(saved);
    FileTime first = Files.getLastModifiedTime(saved);
    assertEquals(saved, OptimizedModel.of(model, RUNTIME, counting(made)));
    assertEquals(1, made.get(), "reused, not optimised again");
    assertEquals(first, Files.getLastModifiedTime(saved));

    byte[] flipped = Files.readAllBytes(saved);
    flipped[flipped.length / 2] ^= 1; // same size, another time: hashed and found wrong
    Files.write(saved, flipped);
    Files.setLastModifiedTime(saved, FileTime.fromMillis(first.toMillis() + 5000));
    assertEquals(saved, OptimizedModel.of(model, RUNTIME, counting(made)));
    assertEquals(2, made.get());
    // made again (ONNX Runtime's bytes are not reproducible to the byte: they name the temporary
    // file)
    assertFalse(Arrays.equals(flipped, Files.readAllBytes(saved)));
    assertArrayEquals(run(model, AT_START), run(model, SAVED));

    Files.setLastModifiedTime(model, FileTime.fromMillis(first.toMillis() + 60_000));
    assertEquals(saved, OptimizedModel.of(model, RUNTIME, counting(made)));
    assertEquals(3, made.get(), "a model file fetched again is optimised again");
  }

  @Test
  void anotherRuntimeVersionGetsAFileOfItsOwn() throws Exception {
    Path model = model("m.onnx");
    Path ours = OptimizedModel.of(model, RUNTIME, counting(new AtomicInteger()));
    Path theirs = OptimizedModel.of(model, RUNTIME + "-other", counting(new AtomicInteger()));
    assertNotNull(ours);
    assertNotNull(theirs);
    assertNotEquals(ours, theirs);
    assertTrue(
        Files.readString(theirs.resolveSibling(theirs.getFileName() + ".properties"))
            .contains("runtime=" + RUNTIME + "-other"));
  }

  @Test
  void aCacheThatCannotTakeItLeavesTheSessionOptimisingAsBefore() throws Exception {
    Path model = model("m.onnx");
    Path name = OptimizedModel.of(model, RUNTIME, counting(new AtomicInteger()));
    Files.delete(name);
    Files.delete(name.resolveSibling(name.getFileName() + ".properties"));
    // Tests run as root, where permission bits do not stop writes: a non-empty directory where
    // the file would go makes the move fail as a read-only mount would.
    Files.writeString(Files.createDirectory(name).resolve("keep"), "x");
    assertNull(OptimizedModel.of(model, RUNTIME, counting(new AtomicInteger())));
    assertArrayEquals(run(model, AT_START), run(model, SAVED));
  }
}
