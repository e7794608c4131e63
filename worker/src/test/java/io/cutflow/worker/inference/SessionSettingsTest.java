package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session settings' defaults and withers, and that the memory settings change no output. */
class SessionSettingsTest {
  @TempDir Path dir;

  @Test
  void defaultsAndWithersChangeOnlyTheirOwnField() {
    InferenceSession.Settings d = InferenceSession.Settings.of(3);
    assertEquals(new InferenceSession.Settings(3, true, false, true, true, true), d);
    assertEquals(
        new InferenceSession.Settings(3, true, false, true, true, false), d.withArena(false));
    assertEquals(
        new InferenceSession.Settings(3, true, false, false, true, true), d.withFp32Weights(false));
    assertEquals(
        new InferenceSession.Settings(3, true, false, true, false, true), d.withSavedModel(false));
    assertEquals(
        new InferenceSession.Settings(3, false, true, true, true, true),
        d.withSpinning(false).withMemoryPattern(true));
    assertTrue(InferenceSession.Settings.of(null).intraOpThreads() >= 1);
  }

  @Test
  void withoutTheArenaTheOutputsAreTheSame() throws Exception {
    Path model = TinyOnnx.mulModel(dir.resolve("mul.onnx"));
    ModelProfile profile = TinyOnnx.plainProfile("mul", 16, ModelProfile.Activation.NONE);
    InferenceSession.Settings on = new InferenceSession.Settings(1, false);
    float[] withArena = run(model, profile, on);
    float[] without = run(model, profile, on.withArena(false));
    assertEquals(3 * 16 * 16, without.length);
    assertFalse(without[0] == 0 && without[without.length - 1] == 0, "the model ran");
    assertArrayEquals(withArena, without);
  }

  private static float[] run(Path model, ModelProfile profile, InferenceSession.Settings settings)
      throws Exception {
    try (InferenceSession s = new InferenceSession(model, profile, settings)) {
      FloatBuffer in = s.newInputBuffer();
      for (int i = 0; i < in.capacity(); i++) {
        in.put(i, (i % 7) - 3);
      }
      FloatBuffer out = s.run(in);
      float[] v = new float[out.remaining()];
      out.get(v);
      return v;
    }
  }
}
