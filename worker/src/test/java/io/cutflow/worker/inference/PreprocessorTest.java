package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutflow.worker.image.DecodedImage;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

  @Test
  void dividesByTheImageMaximumThenAppliesMeanAndStdInNchwOrder() {
    ModelProfile p =
        new ModelProfile(
            "t",
            2,
            2,
            new double[] {0.485, 0.456, 0.406},
            new double[] {0.229, 0.224, 0.225},
            0,
            ModelProfile.Activation.NONE);
    // 2×2 at model size: no resize, so the tensor is pure normalisation.
    byte[] rgba = {
      10,
      20,
      30,
      (byte) 255,
      40,
      50,
      60,
      (byte) 255,
      70,
      80,
      (byte) 200,
      (byte) 255,
      0,
      0,
      0,
      (byte) 255
    };
    FloatBuffer out = FloatBuffer.allocate(12);
    new Preprocessor(p).prepare(new DecodedImage(2, 2, rgba, false, "test"), out);
    double max = 200; // the image's maximum across all channels, as rembg divides by np.max
    int[][] rgb = {{10, 20, 30}, {40, 50, 60}, {70, 80, 200}, {0, 0, 0}};
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 4; i++) {
        float expected = (float) ((rgb[i][c] / max - p.mean()[c]) / p.std()[c]);
        assertEquals(expected, out.get(c * 4 + i), 0f, "channel " + c + " pixel " + i);
      }
    }
  }

  @Test
  void blackImageDoesNotDivideByZero() {
    ModelProfile p = ModelProfile.isnet("t");
    ModelProfile small =
        new ModelProfile("t", 1, 1, p.mean(), p.std(), 0, ModelProfile.Activation.NONE);
    FloatBuffer out = FloatBuffer.allocate(3);
    new Preprocessor(small)
        .prepare(new DecodedImage(1, 1, new byte[] {0, 0, 0, (byte) 255}, false, "t"), out);
    assertEquals(-0.5f, out.get(0), 0f);
  }

  @Test
  void alphaIsIgnoredLikePillowsConvertRgb() {
    ModelProfile p =
        new ModelProfile(
            "t",
            1,
            1,
            new double[] {0, 0, 0},
            new double[] {1, 1, 1},
            0,
            ModelProfile.Activation.NONE);
    FloatBuffer out = FloatBuffer.allocate(3);
    new Preprocessor(p)
        .prepare(new DecodedImage(1, 1, new byte[] {100, 50, 25, 0}, true, "t"), out);
    assertEquals(1.0f, out.get(0), 0f);
    assertEquals(0.5f, out.get(1), 0f);
    assertEquals(0.25f, out.get(2), 0f);
  }
}
