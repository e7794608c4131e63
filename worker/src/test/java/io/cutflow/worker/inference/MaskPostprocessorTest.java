package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class MaskPostprocessorTest {
  private static ModelProfile profile(ModelProfile.Activation activation) {
    return new ModelProfile(
        "t", 2, 2, new double[] {0.5, 0.5, 0.5}, new double[] {1, 1, 1}, 0, activation);
  }

  @Test
  void minMaxNormalisesAndTruncatesToUint8() {
    // min -3 → 0, max 5 → 255, and (x+3)/8·255 truncated (not rounded) as numpy's astype does.
    FloatBuffer out = FloatBuffer.wrap(new float[] {-3f, 5f, 1f, 0.99f});
    byte[] mask = new MaskPostprocessor(profile(ModelProfile.Activation.NONE)).toModelMask(out);
    assertEquals(0, mask[0] & 0xFF);
    assertEquals(255, mask[1] & 0xFF);
    assertEquals((int) ((4f / 8f) * 255f), mask[2] & 0xFF); // 127.5 → 127
    assertEquals(127, mask[2] & 0xFF);
    assertEquals((int) ((3.99f / 8f) * 255f), mask[3] & 0xFF);
  }

  @Test
  void sigmoidIsAppliedBeforeNormalisationForBiRefNet() {
    FloatBuffer out = FloatBuffer.wrap(new float[] {-10f, 10f, 0f, 0f});
    byte[] mask = new MaskPostprocessor(profile(ModelProfile.Activation.SIGMOID)).toModelMask(out);
    // sigmoid(0)=0.5 sits midway between sigmoid(±10) ≈ 0/1, so it maps to ~127.
    assertEquals(127, mask[2] & 0xFF, 1);
    assertEquals(0, mask[0] & 0xFF);
    assertEquals(255, mask[1] & 0xFF);
  }

  @Test
  void maskIsResizedBackToTheImageSize() {
    FloatBuffer out = FloatBuffer.wrap(new float[] {0f, 1f, 0f, 1f});
    byte[] mask = new MaskPostprocessor(profile(ModelProfile.Activation.NONE)).toMask(out, 6, 3);
    assertEquals(18, mask.length);
  }
}
