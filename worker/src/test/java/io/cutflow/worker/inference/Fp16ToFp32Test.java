package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.cutflow.worker.model.Fp16ToFp32;
import io.cutflow.worker.model.Fp32Model;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The float16 → float32 rewrite on a tiny model (Cast to float16, Mul by a float16 constant, Cast
 * back): ONNX Runtime gives the same outputs from both files, the constant widened exactly
 * (subnormal, largest, negative), and {@link Fp32Model} makes the copy once, reuses it and makes it
 * again when it is damaged.
 */
class Fp16ToFp32Test {
  // 1, -2.5, 65504 (largest float16), 2^-24 (smallest subnormal), 0.1 (rounded), -0
  private static final short[] HALF = {
    0x3c00, (short) 0xc100, 0x7bff, 0x0001, 0x2e66, (short) 0x8000
  };
  private static final float[] WIDE = {1f, -2.5f, 65504f, 0x1p-24f, 0.0999755859375f, -0f};

  static Path halfModel(Path file) {
    return new TinyOnnx()
        .input("x", 1, 6)
        .output("y", 1, 6)
        .constantHalf("w", HALF, 1, 6)
        .node("Cast", List.of("x"), List.of("xh"), "to", (long) TinyOnnx.FLOAT16)
        .node("Mul", List.of("xh", "w"), List.of("yh"))
        .node("Cast", List.of("yh"), List.of("y"), "to", 1L)
        .write(file);
  }

  @Test
  void float32CopyComputesWhatTheFloat16ModelDoes(@TempDir Path dir) throws Exception {
    Path half = halfModel(dir.resolve("half.onnx"));
    Path wide = dir.resolve("wide.onnx");
    Fp16ToFp32.convert(half, wide);
    float[] ones = {1, 1, 1, 1, 1, 1};
    assertArrayEquals(WIDE, run(half, ones));
    assertArrayEquals(WIDE, run(wide, ones));
    assertTrue(Files.size(wide) > Files.size(half)); // 6 more bytes of weights and nothing else
  }

  @Test
  void anUnwritableCacheLoadsTheFloat16File(@TempDir Path dir) throws Exception {
    Path half = halfModel(dir.resolve("m.onnx"));
    // Tests run as root, where permission bits do not stop writes: a non-empty directory where
    // the copy would go makes the write fail as a read-only mount would.
    Path blocked = Files.createDirectory(dir.resolve("m.onnx.fp32.onnx"));
    Files.writeString(blocked.resolve("keep"), "x");
    assertEquals(half, Fp32Model.of(half, 0));
    assertArrayEquals(WIDE, run(Fp32Model.of(half, 0), new float[] {1, 1, 1, 1, 1, 1}));
  }

  @Test
  void copyIsMadeOnceReusedAndRemadeWhenDamaged(@TempDir Path dir) throws Exception {
    Path half = halfModel(dir.resolve("m.onnx"));
    Path copy = Fp32Model.of(half, 0);
    assertEquals(dir.resolve("m.onnx.fp32.onnx"), copy);
    assertTrue(Files.isRegularFile(dir.resolve("m.onnx.fp32.properties")));
    FileTime made = Files.getLastModifiedTime(copy);
    assertEquals(copy, Fp32Model.of(half, 0));
    assertEquals(made, Files.getLastModifiedTime(copy), "reused, not converted again");

    byte[] good = Files.readAllBytes(copy);
    Files.write(copy, new byte[] {1, 2, 3}); // damaged: another size
    assertEquals(copy, Fp32Model.of(half, 0));
    assertArrayEquals(good, Files.readAllBytes(copy));

    byte[] flipped = good.clone();
    flipped[flipped.length - 20] ^= 1; // same size, new mtime: hashed, found wrong
    Files.write(copy, flipped);
    Files.setLastModifiedTime(copy, FileTime.fromMillis(made.toMillis() + 5000));
    assertEquals(copy, Fp32Model.of(half, 0));
    assertArrayEquals(good, Files.readAllBytes(copy));
    assertArrayEquals(WIDE, run(copy, new float[] {1, 1, 1, 1, 1, 1}));
  }

  @Test
  void floatModelIsLoadedAsItIs(@TempDir Path dir) throws Exception {
    Path model =
        new TinyOnnx()
            .input("x", 1, 2)
            .output("y", 1, 2)
            .constant("w", new float[] {2, 3}, 1, 2)
            .node("Mul", List.of("x", "w"), List.of("y"))
            .write(dir.resolve("f.onnx"));
    assertEquals(model, Fp32Model.of(model, 0));
    assertEquals(model, Fp32Model.of(model, 0));
    assertTrue(Files.notExists(dir.resolve("f.onnx.fp32.onnx")));
  }

  @Test
  void refusesWhatIsNotAModel() {
    assertThrows(
        IllegalArgumentException.class, () -> Fp16ToFp32.convert(new byte[] {(byte) 0xff}));
  }

  private static float[] run(Path model, float[] x) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor in =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, x.length});
        OrtSession.Result r = s.run(Map.of("x", in))) {
      float[] out = new float[x.length];
      ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
      return out;
    }
  }
}
