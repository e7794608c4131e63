package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.ImageAdmission;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.InvalidImageException;
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
 * {@code u2net_cloth_seg} end to end without its weights: a tiny ONNX model ({@link TinyOnnx}) with
 * the family's layout (one input, four class planes out) run by ONNX Runtime between the real
 * pre-processing and the real argmax, palette and stacking, against labels computed by hand.
 *
 * <p>The image is 8×8, the tiny model's input size: row {@code y} has red {@code R[y]}, green 255,
 * blue 0. The model is a 1×1 Conv: class k scores {@code k·x − c_k} with {@code x = r + 2.2}, r the
 * normalised red ({@code (R/255 − 0.485)/0.229}) and c = 0, 1, 3, 6, so the argmax is the class
 * whose interval [k, k+1) holds x (0 below 1, 3 from 3 up). By hand, x per row is 0.08, 0.43, 1.11,
 * 1.79, 2.48, 3.16, 3.51, 3.51: labels 0 0 1 1 2 3 3 3.
 */
class ClothSegmentationTest {
  private static final int SIDE = 8;
  private static final int[] R = {0, 20, 60, 100, 140, 180, 200, 200};
  private static final int[] LABELS = {0, 0, 1, 1, 2, 3, 3, 3};

  @TempDir Path tmp;

  private Path model() {
    return new TinyOnnx()
        .input("input.1", 1, 3, SIDE, SIDE)
        .output("output", 1, 4, SIDE, SIDE)
        .constant("w", new float[] {0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0}, 4, 3, 1, 1) // red weight k
        .constant("bias", new float[] {0f, 1.2f, 1.4f, 0.6f}, 4) // k·2.2 − c_k
        .node("Conv", List.of("input.1", "w", "bias"), List.of("output"))
        .write(tmp.resolve("cloth.onnx"));
  }

  private static ModelProfile profile() {
    ModelSpec spec = ModelManifest.loadDefault().find("u2net_cloth_seg").orElseThrow();
    ModelProfile p = RemoverFactory.profileOf(spec);
    assertEquals(3, p.masks());
    return new ModelProfile(
        p.name(), SIDE, SIDE, p.mean(), p.std(), p.outputIndex(), p.activation(), p.masks());
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

  private BackgroundRemover.Cutout cut(CutoutOptions options) throws Exception {
    try (InferenceSession session =
        new InferenceSession(model(), profile(), new InferenceSession.Settings(1, false))) {
      BackgroundRemover remover =
          new BackgroundRemover(session, new ImageDecoder(ImageLimits.defaults()), new PngWriter());
      return remover.remove(image(), "clothes.png", options);
    }
  }

  /** Band {@code band} of each row (all columns must agree). */
  private static int[] rows(Raster r, int band) {
    int[] rows = new int[r.getHeight()];
    for (int y = 0; y < r.getHeight(); y++) {
      rows[y] = r.getSample(0, y, band);
      for (int x = 1; x < r.getWidth(); x++) {
        assertEquals(rows[y], r.getSample(x, y, band), "row " + y + " band " + band + " x=" + x);
      }
    }
    return rows;
  }

  private static Raster decode(BackgroundRemover.Cutout c) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(c.png())).getRaster();
  }

  /** 255 on the rows labelled {@code category}, else 0. */
  private static int[] maskOf(int category) {
    int[] m = new int[SIDE];
    for (int y = 0; y < SIDE; y++) {
      m[y] = LABELS[y] == category ? 255 : 0;
    }
    return m;
  }

  @Test
  void eachCategoryIsItsLabelsMask() throws Exception {
    List<String> names = CutoutOptions.CLOTH_CATEGORIES;
    for (int i = 0; i < names.size(); i++) {
      CutoutOptions o =
          CutoutOptions.DEFAULTS
              .with(CutoutOptions.ONLY_MASK, true)
              .with(CutoutOptions.CLOTH_CATEGORY, names.get(i));
      BackgroundRemover.Cutout c = cut(o);
      assertEquals(SIDE, c.height(), names.get(i));
      Raster r = decode(c);
      assertEquals(1, r.getNumBands(), "one category's mask is grey, as rembg's L image");
      assertArrayEquals(maskOf(i + 1), rows(r, 0), names.get(i));
    }
  }

  @Test
  void withoutACategoryTheThreeCutoutsAreStackedUpperLowerFull() throws Exception {
    BackgroundRemover.Cutout c = cut(CutoutOptions.DEFAULTS);
    assertEquals(SIDE, c.width());
    assertEquals(3 * SIDE, c.height());
    Raster r = decode(c);
    assertEquals(4, r.getNumBands());
    int[] red = rows(r, 0);
    int[] green = rows(r, 1);
    int[] alpha = rows(r, 3);
    for (int piece = 0; piece < 3; piece++) {
      int[] mask = maskOf(piece + 1);
      for (int y = 0; y < SIDE; y++) {
        int at = piece * SIDE + y;
        boolean in = mask[y] == 255;
        assertEquals(in ? R[y] : 0, red[at], "piece " + piece + " row " + y);
        assertEquals(in ? 255 : 0, green[at], "piece " + piece + " row " + y);
        assertEquals(in ? 255 : 0, alpha[at], "piece " + piece + " row " + y);
      }
    }
  }

  @Test
  void stackedMasksAreOpaqueGreyRgbaAsRembgsPasteMakesThem() throws Exception {
    Raster r = decode(cut(CutoutOptions.DEFAULTS.with(CutoutOptions.ONLY_MASK, true)));
    assertEquals(4, r.getNumBands());
    int[] expected = new int[3 * SIDE];
    for (int piece = 0; piece < 3; piece++) {
      System.arraycopy(maskOf(piece + 1), 0, expected, piece * SIDE, SIDE);
    }
    assertArrayEquals(expected, rows(r, 0));
    assertArrayEquals(expected, rows(r, 2));
    int[] opaque = new int[3 * SIDE];
    java.util.Arrays.fill(opaque, 255);
    assertArrayEquals(opaque, rows(r, 3));
  }

  @Test
  void theBackgroundColourFillsEachStackedPiece() throws Exception {
    Raster r = decode(cut(CutoutOptions.DEFAULTS.with(CutoutOptions.BGCOLOR, "0,0,255,255")));
    int[] blue = rows(r, 2);
    int[] red = rows(r, 0);
    for (int at = 0; at < 3 * SIDE; at++) {
      boolean in = maskOf(at / SIDE + 1)[at % SIDE] == 255;
      assertEquals(in ? 0 : 255, blue[at], "row " + at);
      assertEquals(in ? R[at % SIDE] : 0, red[at], "row " + at);
    }
  }

  @Test
  void aStackedJobRefusedForSizeIsToldToPickACategory() throws Exception {
    ImageAdmission full =
        (input, header, bytes) -> {
          throw new InvalidImageException(
              InvalidImageException.Reason.TOO_LARGE, input, "needs " + bytes + " bytes");
        };
    try (InferenceSession session =
        new InferenceSession(model(), profile(), new InferenceSession.Settings(1, false))) {
      BackgroundRemover remover =
          new BackgroundRemover(
              session, new ImageDecoder(ImageLimits.defaults()), new PngWriter(), full);
      InvalidImageException stacked =
          assertThrows(
              InvalidImageException.class,
              () -> remover.prepare(image(), "clothes.png", CutoutOptions.DEFAULTS));
      assertEquals(InvalidImageException.Reason.TOO_LARGE, stacked.reason());
      assertTrue(stacked.getMessage().startsWith("clothes.png: needs "), stacked.getMessage());
      assertTrue(
          stacked.getMessage().contains("stacks 3 cutouts")
              && stacked.getMessage().contains("cc (cloth_category) upper, lower or full"),
          stacked.getMessage());
      InvalidImageException one =
          assertThrows(
              InvalidImageException.class,
              () ->
                  remover.prepare(
                      image(),
                      "clothes.png",
                      CutoutOptions.DEFAULTS.with(CutoutOptions.CLOTH_CATEGORY, "lower")));
      assertFalse(one.getMessage().contains("cloth_category"), one.getMessage());
    }
  }

  /**
   * rembg resizes the label map, not each mask: Lanczos across an upper|full edge (1 to 3) passes
   * through 2, so the lower mask gets a thin line there though no pixel was classed lower.
   */
  @Test
  void theLabelMapIsResizedSoAnUpperFullEdgeShowsInTheLowerMask() {
    ModelProfile p =
        new ModelProfile(
            "t", 4, 1, new double[3], new double[] {1, 1, 1}, 0, ModelProfile.Activation.NONE, 3);
    // per pixel, the class with score 1 wins: upper, upper, full, full
    float[] scores = new float[4 * 4];
    int[] winner = {1, 1, 3, 3};
    for (int i = 0; i < 4; i++) {
      scores[winner[i] * 4 + i] = 1;
    }
    byte[] labels = ClothSegmentation.labels(FloatBuffer.wrap(scores), p, 16, 1);
    assertEquals(1, labels[0]);
    assertEquals(3, labels[15]);
    byte[] lower = ClothSegmentation.mask(labels, 2, new byte[16]);
    int line = 0;
    for (int i = 0; i < 16; i++) {
      if (labels[i] == 2) {
        line++;
        assertEquals((byte) 255, lower[i], "x=" + i);
      } else {
        assertEquals(0, lower[i], "x=" + i);
      }
    }
    assertTrue(line > 0 && line < 6, "a thin line of label 2 at the edge, got " + line);
  }

  @Test
  void argmaxTakesTheFirstOfEqualScoresAndThePaletteKeepsPillowsRamp() {
    ModelProfile p =
        new ModelProfile(
            "t", 2, 1, new double[3], new double[] {1, 1, 1}, 0, ModelProfile.Activation.NONE, 3);
    // pixel 0: all equal -> 0; pixel 1: classes 2 and 3 tie at the top -> 2
    FloatBuffer out = FloatBuffer.wrap(new float[] {1, 0, 1, 1, 1, 5, 1, 5});
    assertArrayEquals(new byte[] {0, 2}, ClothSegmentation.labels(out, p, 2, 1));
    byte[] labels = {0, 1, 2, 3, 4, (byte) 200};
    assertArrayEquals(
        new byte[] {0, 0, (byte) 255, 0, 4, (byte) 200},
        ClothSegmentation.mask(labels, 2, new byte[6]));
  }
}
