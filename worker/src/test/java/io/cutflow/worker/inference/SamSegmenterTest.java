package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rembg's {@code sam} path without its weights: a tiny encoder (the canvas itself as the embedding)
 * and a tiny decoder (two masks: red − 128 and green − 128 of the embedding, shaped [1, 2, 684,
 * 1024]) run by ONNX Runtime between the real warp to the canvas, the decoder inputs rembg builds,
 * and the warp back with the union of masks, against values computed by hand.
 *
 * <p>The image is 8×4: red 255 in columns 0..3, green 255 in row 3, so the scale onto the 1024×684
 * canvas is min(1024/8, 684/4) = 128 and the cutout's mask is 255 where x < 4 or y = 3.
 */
class SamSegmenterTest {
  private static final int W = 8;
  private static final int H = 4;

  @TempDir Path tmp;

  private static byte[] image() {
    byte[] rgba = new byte[W * H * 4];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        int p = (y * W + x) * 4;
        rgba[p] = (byte) (x < 4 ? 255 : 0);
        rgba[p + 1] = (byte) (y == 3 ? 255 : 0);
        rgba[p + 3] = (byte) 255;
      }
    }
    return rgba;
  }

  private SamSegmenter tiny(int points) {
    Path encoder =
        new TinyOnnx()
            .input("input_image", 684, 1024, 3)
            .output("image_embeddings", 684, 1024, 3)
            .node("Identity", List.of("input_image"), List.of("image_embeddings"))
            .write(tmp.resolve("encoder.onnx"));
    Path decoder =
        new TinyOnnx()
            .input("image_embeddings", 684, 1024, 3)
            .input("point_coords", 1, points, 2)
            .input("point_labels", 1, points)
            .input("mask_input", 1, 1, 256, 256)
            .input("has_mask_input", 1)
            .input("orig_im_size", 2)
            .output("masks", 1, 2, 684, 1024)
            .output("iou_predictions", 1, points, 2)
            .output("low_res_masks", 1, points)
            .constant("rg", new float[] {1, 0, 0, 1, 0, 0}, 3, 2)
            .constant("minus128", new float[] {-128}, 1, 1, 1, 1)
            .node("MatMul", List.of("image_embeddings", "rg"), List.of("hw2"))
            .node("Transpose", List.of("hw2"), List.of("chw"), "perm", new long[] {2, 0, 1})
            .node("Add", List.of("chw", "minus128"), List.of("masks"))
            .node("Identity", List.of("point_coords"), List.of("iou_predictions"))
            .node("Identity", List.of("point_labels"), List.of("low_res_masks"))
            .write(tmp.resolve("decoder.onnx"));
    try {
      return new SamSegmenter(encoder, decoder, 1);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theMaskIsTheUnionOfTheDecodersMasksWarpedBack() throws Exception {
    try (SamSegmenter sam = tiny(2)) {
      byte[] mask = sam.mask(image(), W, H, SamPrompt.centre(W, H));
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
          int expected = x < 4 || y == 3 ? 255 : 0;
          assertEquals(expected, mask[y * W + x] & 0xFF, "x=" + x + " y=" + y);
        }
      }
    }
  }

  @Test
  void theCanvasIsRembgsAffineWarpTruncated() {
    double s = SamSegmenter.scale(W, H);
    assertEquals(128.0, s);
    float[] canvas = SamSegmenter.canvas(image(), W, H, s);
    // (x, y) on the canvas samples the image at (x/128, y/128), HWC
    assertEquals(255f, canvas[(0 * 1024 + 384) * 3]); // x 3.0: red 255
    // x 3.515625 between red 255 and 0: 255 × 0.484375 = 123.52 -> 123
    assertEquals(123f, canvas[(0 * 1024 + 450) * 3]);
    // y 2.5 between green 0 and 255: 127.5 -> 127
    assertEquals(127f, canvas[(320 * 1024) * 3 + 1]);
    // past the last pixel's centre (x 7.8 > 7, y 3.1 > 3): 0, as scipy's constant mode
    assertEquals(0f, canvas[(0 * 1024 + 1000) * 3]);
    assertEquals(0f, canvas[(400 * 1024) * 3]);
    assertEquals(255f, canvas[(384 * 1024 + 10) * 3 + 1]); // y 3.0, green row
  }

  @Test
  void decoderPointsAreThePromptTimesTheScaleAndAPaddingPoint() {
    SamPrompt prompt =
        SamPrompt.parse(
            "[{\"type\":\"point\",\"data\":[4,2],\"label\":1},"
                + "{\"type\":\"rectangle\",\"data\":[1,1,5,3]}]");
    assertArrayEquals(
        new float[] {512, 256, 128, 128, 640, 384, 0, 0}, SamSegmenter.pointCoords(prompt, 128));
    assertArrayEquals(new float[] {1, 2, 3, -1}, SamSegmenter.pointLabels(prompt));
    SamPrompt centre = SamPrompt.centre(9, 5); // int(9/2), int(5/2)
    assertArrayEquals(new double[] {4, 2}, centre.points().get(0));
    assertEquals(List.of(1), centre.labels());
  }

  @Test
  void aBadPromptNamesTheMarkAndTheShape() {
    for (String[] bad :
        new String[][] {
          {"{\"type\":\"point\"}", "JSON array"},
          {"[{\"type\":\"point\",\"data\":[1,2]}]", "sam_prompt[0]: a point needs"},
          {
            "[{\"type\":\"point\",\"data\":[1,2],\"label\":1},{\"type\":\"box\",\"data\":[1]}]",
            "sam_prompt[1]"
          },
          {"[{\"type\":\"rectangle\",\"data\":[1,2,3]}]", "[x1, y1, x2, y2]"},
          {"[", "not JSON"},
          {"[]", "at least one"}
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> SamPrompt.parse(bad[0]), bad[0]);
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
  }
}
