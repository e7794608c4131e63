package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.PngWriter;
import io.cutflow.worker.model.ModelManifest;
import io.cutflow.worker.model.ModelSpec;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each single-output model family end to end without its weights: a tiny ONNX model written by the
 * test ({@link TinyOnnx}) with the family's tensor layout, run by ONNX Runtime between the real
 * pre-processing (Lanczos, divide by the maximum, the catalogue entry's mean and std) and
 * post-processing (activation, min-max, ×255 truncated), checked against values computed by hand.
 *
 * <p>The image is 8×8, the models' input size, so no resampling blurs the numbers: row {@code y}
 * has red {@code R[y]}, green 255 (the maximum the input is divided by), blue 0.
 */
class ModelFamilyTest {
  private static final int SIDE = 8;
  private static final int[] R = {0, 20, 60, 100, 140, 180, 200, 200};

  @TempDir Path tmp;

  /** Conv 1×1 over the three channels with these weights: the mask is that weighted sum. */
  private Path weightedSum(String file, float r, float g, float b) {
    return new TinyOnnx()
        .input("input", 1, 3, SIDE, SIDE)
        .output("mask", 1, 1, SIDE, SIDE)
        .constant("w", new float[] {r, g, b}, 1, 3, 1, 1)
        .constant("bias", new float[] {0}, 1)
        .node("Conv", List.of("input", "w", "bias"), List.of("mask"))
        .write(tmp.resolve(file));
  }

  /** The catalogue entry's pre/post-processing values at the tiny model's input size. */
  private static ModelProfile profileOf(String model) {
    ModelSpec spec = ModelManifest.loadDefault().find(model).orElseThrow();
    ModelProfile p = RemoverFactory.profileOf(spec);
    return new ModelProfile(
        p.name(), SIDE, SIDE, p.mean(), p.std(), p.outputIndex(), p.activation());
  }

  private static byte[] image() throws Exception {
    BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        img.setRGB(x, y, (R[y] << 16) | (255 << 8));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** The mask the pipeline makes, one value per row (all columns must agree). */
  private static int[] maskRows(Path model, ModelProfile profile) throws Exception {
    try (InferenceSession session =
        new InferenceSession(model, profile, new InferenceSession.Settings(1, false))) {
      BackgroundRemover remover =
          new BackgroundRemover(session, new ImageDecoder(ImageLimits.defaults()), new PngWriter());
      byte[] png =
          remover
              .remove(
                  image(), "rows.png", CutoutOptions.DEFAULTS.with(CutoutOptions.ONLY_MASK, true))
              .png();
      Raster mask = ImageIO.read(new ByteArrayInputStream(png)).getRaster();
      int[] rows = new int[SIDE];
      for (int y = 0; y < SIDE; y++) {
        rows[y] = mask.getSample(0, y, 0);
        for (int x = 1; x < SIDE; x++) {
          assertEquals(rows[y], mask.getSample(x, y, 0), "row " + y + " is uneven at x=" + x);
        }
      }
      return rows;
    }
  }

  @Test
  void theModelReceivesTheCatalogueNormalisationAsRembgComputesIt() throws Exception {
    Path identity =
        new TinyOnnx()
            .input("input", 1, 3, SIDE, SIDE)
            .output("same", 1, 3, SIDE, SIDE)
            .node("Identity", List.of("input"), List.of("same"))
            .write(tmp.resolve("identity.onnx"));
    for (String model : List.of("isnet-general-use", "birefnet-general", "bria-rmbg")) {
      ModelProfile profile = profileOf(model);
      try (InferenceSession session =
          new InferenceSession(identity, profile, new InferenceSession.Settings(1, false))) {
        BackgroundRemover remover =
            new BackgroundRemover(
                session, new ImageDecoder(ImageLimits.defaults()), new PngWriter());
        BackgroundRemover.Prepared p = remover.prepare(image(), "rows.png", CutoutOptions.DEFAULTS);
        FloatBuffer out = session.run(p.input());
        double[] mean = profile.mean();
        double[] std = profile.std();
        for (int y = 0; y < SIDE; y++) {
          int at = y * SIDE + 3;
          // (value / 255 - mean) / std per channel, planes R, G, B (NCHW)
          assertEquals((R[y] / 255.0 - mean[0]) / std[0], out.get(at), 1e-5, model + " R row " + y);
          assertEquals((1.0 - mean[1]) / std[1], out.get(SIDE * SIDE + at), 1e-5, model + " G");
          assertEquals((0.0 - mean[2]) / std[2], out.get(2 * SIDE * SIDE + at), 1e-5, model + " B");
        }
        p.memory().close();
      }
    }
  }

  @Test
  void plainFamiliesMinMaxTheRawOutput() throws Exception {
    // y = (R/255 - mean)/std is affine in R, so min-max gives 255 * R / 200, truncated:
    // 25.5 -> 25, 76.5 -> 76, 127.5 -> 127, 178.5 -> 178, 229.5 -> 229
    int[] expected = {0, 25, 76, 127, 178, 229, 255, 255};
    Path model = weightedSum("red.onnx", 1, 0, 0);
    for (String name : List.of("isnet-general-use", "isnet-anime", "u2net", "bria-rmbg")) {
      assertEquals(ModelProfile.Activation.NONE, profileOf(name).activation(), name);
      assertArrayEquals(expected, maskRows(model, profileOf(name)), name);
    }
  }

  @Test
  void biRefNetAppliesTheSigmoidBeforeMinMax() throws Exception {
    ModelProfile profile = profileOf("birefnet-portrait");
    assertEquals(ModelProfile.Activation.SIGMOID, profile.activation());
    int[] rows = maskRows(weightedSum("red.onnx", 1, 0, 0), profile);
    // by hand: y = (R/255 - 0.485)/0.229, s = 1/(1+e^-y), mask = 255 (s - s_min)/(s_max - s_min)
    double sMin = sigmoid((0 / 255.0 - 0.485) / 0.229);
    double sMax = sigmoid((200 / 255.0 - 0.485) / 0.229);
    for (int y = 0; y < SIDE; y++) {
      double s = sigmoid((R[y] / 255.0 - 0.485) / 0.229);
      int byHand = (int) (255 * (s - sMin) / (sMax - sMin));
      assertTrue(Math.abs(byHand - rows[y]) <= 1, "row " + y + ": " + rows[y] + " vs " + byHand);
    }
    // and not the plain min-max: R = 100 gives 109 with the sigmoid, 127 without
    assertEquals(109, rows[3]);
  }

  @Test
  void theManifestsOutputIndexSelectsTheMask() throws Exception {
    Path twoOutputs =
        new TinyOnnx()
            .input("input", 1, 3, SIDE, SIDE)
            .output("inverted", 1, 1, SIDE, SIDE)
            .output("mask", 1, 1, SIDE, SIDE)
            .constant("w_inv", new float[] {-1, 0, 0}, 1, 3, 1, 1)
            .constant("w", new float[] {1, 0, 0}, 1, 3, 1, 1)
            .constant("bias", new float[] {0}, 1)
            .node("Conv", List.of("input", "w_inv", "bias"), List.of("inverted"))
            .node("Conv", List.of("input", "w", "bias"), List.of("mask"))
            .write(tmp.resolve("two.onnx"));
    ModelProfile first = profileOf("isnet-general-use");
    ModelProfile second =
        new ModelProfile(
            "second", SIDE, SIDE, first.mean(), first.std(), 1, ModelProfile.Activation.NONE);
    assertArrayEquals(new int[] {0, 25, 76, 127, 178, 229, 255, 255}, maskRows(twoOutputs, second));
    // output 0: 255 * (200 - R) / 200 -> 255, 229.5, 178.5, 127.5, 76.5, 25.5, 0, 0
    assertArrayEquals(new int[] {255, 229, 178, 127, 76, 25, 0, 0}, maskRows(twoOutputs, first));
  }

  @Test
  void aSamPromptOnAnotherModelIsIgnoredWithANoteAsRembgIgnoresIt() throws Exception {
    Path model = weightedSum("plain.onnx", 1, 0, 0);
    ModelProfile profile = profileOf("isnet-general-use");
    CutoutOptions prompted =
        CutoutOptions.DEFAULTS
            .with(CutoutOptions.ONLY_MASK, true)
            .with(
                CutoutOptions.SAM_PROMPT,
                List.of(java.util.Map.of("type", "point", "data", List.of(1, 1), "label", 1)));
    try (InferenceSession session =
        new InferenceSession(model, profile, new InferenceSession.Settings(1, false))) {
      BackgroundRemover remover =
          new BackgroundRemover(session, new ImageDecoder(ImageLimits.defaults()), new PngWriter());
      BackgroundRemover.Cutout with = remover.remove(image(), "rows.png", prompted);
      BackgroundRemover.Cutout without =
          remover.remove(
              image(), "rows.png", CutoutOptions.DEFAULTS.with(CutoutOptions.ONLY_MASK, true));
      assertArrayEquals(without.png(), with.png(), "the prompt changes nothing");
      assertEquals("sam_prompt ignored: model isnet-general-use takes no prompt", with.note());
      assertEquals(null, without.note());
    }
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
