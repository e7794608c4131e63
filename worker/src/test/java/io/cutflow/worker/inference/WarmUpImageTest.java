package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.PngWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which warm-up passes run the model, on a tiny ISNet-shaped model ({@link TinyOnnx}: three
 * channels in, one mask out, a 1×1 convolution) so that ONNX Runtime counts real runs.
 */
class WarmUpImageTest {
  private static final int SIDE = 16;

  @TempDir Path tmp;

  private InferenceSession session(boolean arena, boolean memoryPattern) throws Exception {
    Path model =
        new TinyOnnx()
            .input("input", 1, 3, SIDE, SIDE)
            .output("mask", 1, 1, SIDE, SIDE)
            .constant("w", new float[] {1, 1, 1}, 1, 3, 1, 1)
            .node("Conv", List.of("input", "w"), List.of("mask"))
            .write(tmp.resolve("tiny-isnet.onnx"));
    ModelProfile isnet = ModelProfile.isnet("tiny-isnet");
    ModelProfile profile =
        new ModelProfile(
            isnet.name(),
            SIDE,
            SIDE,
            isnet.mean(),
            isnet.std(),
            isnet.outputIndex(),
            isnet.activation(),
            isnet.masks());
    return new InferenceSession(
        model,
        profile,
        new InferenceSession.Settings(1, false, memoryPattern, false, false, arena));
  }

  private static List<Long> warm(InferenceSession session, WarmUpImage.Plan plan) throws Exception {
    BackgroundRemover remover =
        new BackgroundRemover(session, new ImageDecoder(ImageLimits.defaults()), new PngWriter());
    return WarmUpImage.warm(remover, session, plan);
  }

  @Test
  void autoLeavesTheModelOutWhereItsFirstRunCostsNothingExtra() throws Exception {
    try (InferenceSession session = session(false, false)) {
      assertEquals(0, session.slowRuns());
      List<Long> times = warm(session, new WarmUpImage.Plan(2, WarmUpImage.ModelRuns.AUTO));
      assertEquals(2, times.size(), "one time per pass: " + times);
      assertEquals(0, session.runCount(), "no model run");
      assertTrue(session.isWarm());
    }
  }

  @Test
  void autoRunsTheModelAsOftenAsItsFirstRunsAreSlow() throws Exception {
    try (InferenceSession arena = session(true, false)) {
      assertEquals(1, arena.slowRuns());
      warm(arena, new WarmUpImage.Plan(3, WarmUpImage.ModelRuns.AUTO));
      assertEquals(1, arena.runCount(), "the arena fills in run 0; passes 2 and 3 skip the model");
    }
    try (InferenceSession pattern = session(false, true)) {
      assertEquals(2, pattern.slowRuns());
      warm(pattern, new WarmUpImage.Plan(3, WarmUpImage.ModelRuns.AUTO));
      assertEquals(2, pattern.runCount(), "the memory pattern's planned block comes in run 1");
    }
    try (InferenceSession pattern = session(false, true)) {
      warm(pattern, new WarmUpImage.Plan(1, WarmUpImage.ModelRuns.AUTO));
      assertEquals(1, pattern.runCount(), "never more model runs than passes");
    }
  }

  @Test
  void alwaysAndNeverOverrideTheSession() throws Exception {
    try (InferenceSession session = session(false, false)) {
      warm(session, WarmUpImage.Plan.wholeCutouts(3));
      assertEquals(3, session.runCount());
    }
    try (InferenceSession session = session(true, false)) {
      warm(session, new WarmUpImage.Plan(3, WarmUpImage.ModelRuns.NEVER));
      assertEquals(0, session.runCount());
      assertTrue(session.isWarm(), "warmed, without the model");
    }
  }

  @Test
  void theMadeUpOutputHasASubjectAndABackground() {
    ModelProfile profile = ModelProfile.isnet("isnet-general-use");
    byte[] mask = new MaskPostprocessor(profile).toMask(WarmUpImage.disc(profile), 800, 600);
    int low = 0;
    int high = 0;
    for (byte b : mask) {
      int v = b & 0xff;
      low += v < 64 ? 1 : 0;
      high += v > 192 ? 1 : 0;
    }
    assertTrue(low > mask.length / 4, "background pixels: " + low);
    assertTrue(high > mask.length / 10, "subject pixels: " + high);
  }

  @Test
  void aCutoutAfterAModelFreeWarmUpRunsTheModel() throws Exception {
    try (InferenceSession session = session(false, false)) {
      BackgroundRemover remover =
          new BackgroundRemover(session, new ImageDecoder(ImageLimits.defaults()), new PngWriter());
      WarmUpImage.warm(remover, session, new WarmUpImage.Plan(2, WarmUpImage.ModelRuns.AUTO));
      BackgroundRemover.Cutout c =
          remover.remove(WarmUpImage.jpeg(), "warm-up.jpg", CutoutOptions.DEFAULTS);
      assertEquals(800, c.width());
      assertEquals(1, session.runCount());
      // as large as a photo's (a smooth drawing's was 206 KB): the encoder fills and flushes
      // IDAT chunks during warm-up as often as on a photo
      assertTrue(
          c.png().length > 8 * PngWriter.IDAT_CHUNK, "warm-up cutout PNG: " + c.png().length);
    }
  }

  @Test
  void theSettingsValuesParse() {
    assertEquals(WarmUpImage.ModelRuns.AUTO, WarmUpImage.ModelRuns.parse("auto"));
    assertEquals(WarmUpImage.ModelRuns.NEVER, WarmUpImage.ModelRuns.parse("Never"));
    assertThrows(IllegalArgumentException.class, () -> WarmUpImage.ModelRuns.parse("sometimes"));
  }
}
